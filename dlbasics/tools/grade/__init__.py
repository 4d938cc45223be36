"""채점기 (the instructors' grader): ``python -m dlbasics.tools.grade SUBMISSION.ipynb ...``.

For each submitted lab notebook the grader

1. finds its solution (read once, before any submission runs) by the notebook metadata
   ``dlbasics.lab`` that ``make labs`` writes, else by the file name (``kim_lab3_lenet5.ipynb``
   is lab3_lenet5), else by the check cells it holds; cells whose nbgrader metadata was
   stripped are recognised by their content (``assemble``);
2. puts the solution's version of every check cell back by nbgrader ``grade_id`` (with its
   hidden tests), each starting by binding again the names it relies on (``assemble``);
3. runs the code cells in a fresh, sandboxed Python kernel with time limits and kills every
   process it started afterwards (``kernel``);
4. scores each graded cell: its points when it runs without an error, else 0 with the error
   as the message (``scoring``); flags student code that reaches into the grading machinery
   (``review``);
5. prints a table per submission or one JSON object, and writes a gradebook (CSV) and a
   feedback page per submission on request (``report``, ``cli``).

Submissions are untrusted code, and student code runs in the same kernel before the hidden
tests. Shadowing a name the checks use (``checks = ...``) does not reach them, and the checks
keep their own references to the NumPy functions they use, but student code can still
monkeypatch modules or IPython; the grader flags such code for the instructor (``warnings``)
but cannot prevent it. Run the grader as a user that can reach nothing of value, on a
read-only copy of the book (a container): see docs/instructors.md.
"""

from .assemble import (
    MAX_NOTEBOOK_BYTES,
    REBIND_COMMENT,
    answer_text,
    assemble,
    bound_names,
    code_cells,
    code_tree,
    lab_by_content,
    manual_answers,
    markdown_cells,
    match_lab,
    read_notebook,
    rebinding_code,
    rebound_names,
    recognise,
    restored_cells,
    shadowed_names,
    solution_template,
    template,
)
from .cli import hide_from_submissions, main
from .kernel import (
    CELL_TIMEOUT,
    MAX_IOPUB_MESSAGE,
    MAX_MESSAGE_CHARS,
    NOT_RUN,
    NOTEBOOK_TIMEOUT,
    RUN_TAG,
    TIMEOUT_ENAME,
    kernel_env,
    kill_processes,
    run_cells,
)
from .report import (
    feedback_html,
    format_result,
    gradebook_rows,
    student_id,
    write_csv,
    write_feedback,
)
from .review import SHADOWED, SUSPICIOUS, module_attribute_writes, suspicious_code
from .scoring import (
    Question,
    Result,
    find_solutions,
    grade,
    grade_notebook,
    graded_cells,
    in_notebook_order,
    load_solutions,
    manual_questions,
    score,
)

__all__ = [
    "CELL_TIMEOUT", "MAX_IOPUB_MESSAGE", "MAX_MESSAGE_CHARS", "MAX_NOTEBOOK_BYTES", "NOT_RUN",
    "NOTEBOOK_TIMEOUT", "REBIND_COMMENT", "RUN_TAG", "SHADOWED", "SUSPICIOUS", "TIMEOUT_ENAME",
    "Question", "Result", "answer_text", "assemble", "bound_names", "code_cells", "code_tree",
    "feedback_html", "find_solutions", "format_result", "grade", "grade_notebook", "graded_cells",
    "gradebook_rows", "hide_from_submissions", "in_notebook_order", "kernel_env",
    "kill_processes", "lab_by_content", "load_solutions", "main", "manual_answers",
    "manual_questions", "markdown_cells", "match_lab", "module_attribute_writes", "read_notebook",
    "rebinding_code", "rebound_names", "recognise", "restored_cells", "run_cells", "score",
    "shadowed_names", "solution_template", "student_id", "suspicious_code", "template",
    "write_csv", "write_feedback",
]
