"""GPU check: ``make gpu-check``.

On a machine with a CUDA GPU it

1. runs every notebook in chapters/ and solutions/ under nbval (the notebooks pick the GPU
   through ``dlbasics.device()``), one pytest process per notebook, and
2. times LeNet-5 training steps with NumPy on the CPU, torch on the CPU and torch on the GPU,
   at a small and a large minibatch,

and writes both to reports/gpu_check.md (printed as well). The lecture note says GPUs cut
training time 10-100×; the table shows what this machine does.

Without CUDA it says so and exits 0: there is nothing to check. When nbval or ipykernel is
missing (a GPU machine with torch only), step 1 is reported as skipped with what to install.

    python benchmarks/gpu_check.py [--no-notebooks] [--report FILE]
"""

import argparse
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
NBVAL_ARGS = ["--nbval", "--nbval-current-env", "--nbval-sanitize-with",
              "tests/nbval_sanitize.cfg", "-p", "no:cacheprovider", "-q"]
NOTEBOOK_TIMEOUT = 900  # seconds for one notebook under nbval


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-notebooks", action="store_true", help="only time training steps")
    parser.add_argument("--report", default=str(ROOT / "reports" / "gpu_check.md"),
                        help="where to write the Markdown report")
    return parser.parse_args(argv)


def cuda_status():
    """(available, description). A broken driver counts as unavailable, with its message."""
    import torch

    try:
        if not torch.cuda.is_available():
            return False, f"torch {torch.__version__} sees no CUDA device"
        props = torch.cuda.get_device_properties(0)
        torch.zeros(1, device="cuda").sum().item()  # fails early if the device cannot run
    except (RuntimeError, AssertionError) as err:
        return False, f"CUDA is present but unusable: {err}"
    return True, (f"{props.name}, {props.total_memory / 2**30:.0f} GiB; torch {torch.__version__}, "
                  f"CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}")


def notebooks():
    return [path for folder in ("chapters", "solutions")
            for path in sorted((ROOT / folder).glob("*.ipynb"))]


def missing_notebook_tools():
    return [name for name in ("pytest", "nbval", "ipykernel", "nbformat")
            if importlib.util.find_spec(name) is None]


def run_nbval(path):
    """(status, seconds, last lines of pytest's output) for one notebook."""
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "pytest", str(path.relative_to(ROOT)),
                               *NBVAL_ARGS], cwd=ROOT, capture_output=True, text=True,
                              timeout=NOTEBOOK_TIMEOUT)
    except subprocess.TimeoutExpired:
        return "timeout", time.perf_counter() - start, f"over {NOTEBOOK_TIMEOUT} s"
    lines = (done.stdout + done.stderr).strip().splitlines()
    status = "passed" if done.returncode == 0 else "FAILED"
    return status, time.perf_counter() - start, "\n".join(lines[-15:])


def notebook_section():
    missing = missing_notebook_tools()
    if missing:
        hint = ("On a machine without internet, bring the wheels: `pip download pytest nbval "
                "ipykernel -d wheels` elsewhere, then `pip install --no-index --find-links "
                "wheels pytest nbval ipykernel`.")
        return ["## nbval on the GPU", "",
                f"Skipped: {', '.join(missing)} not installed. {hint}", ""], True
    lines = ["## nbval on the GPU", "", "| notebook | result | seconds |", "|---|---|---|"]
    failures = []
    for path in notebooks():
        status, seconds, tail = run_nbval(path)
        name = path.relative_to(ROOT).as_posix()
        print(f"  {name}: {status} ({seconds:.0f} s)", flush=True)
        lines.append(f"| {name} | {status} | {seconds:.0f} |")
        if status != "passed":
            failures.append((name, tail))
    for name, tail in failures:
        lines += ["", f"### {name}", "", "```", tail, "```"]
    return lines + [""], not failures


def timing_section():
    import torch
    from common import lenet_flops, lenet_pair, median_times, torch_step

    def cuda_sync():
        torch.cuda.synchronize()

    lines = ["## Training steps: NumPy (CPU), torch (CPU), torch (GPU)", "",
             f"CPU threads: {torch.get_num_threads()}; float32; median ms per step.", "",
             "| step | NumPy CPU | torch CPU | torch GPU | GPU vs torch CPU | GPU vs NumPy |",
             "|---|---|---|---|---|---|"]
    for N in (32, 256):
        numpy_run, t_net, X, y = lenet_pair(N)
        cpu_run = torch_step(t_net, X, y, "cpu")
        numpy_time, cpu_time = median_times(numpy_run, cpu_run)
        gpu_run = torch_step(t_net, X, y, "cuda")
        gpu_time = median_times(gpu_run, sync=cuda_sync)[0]
        row = (f"| LeNet-5, N={N} ({lenet_flops(N) / 1e9:.2f} GFLOP) | {numpy_time * 1e3:.2f} | "
               f"{cpu_time * 1e3:.2f} | {gpu_time * 1e3:.2f} | {cpu_time / gpu_time:.1f}× | "
               f"{numpy_time / gpu_time:.1f}× |")
        print("  " + row, flush=True)
        lines.append(row)
    return lines + ["", "A step on a small minibatch is bound by the launch cost of many small "
                        "GPU kernels; the large minibatch shows the GPU's throughput.", ""]


def main(argv=None):
    args = parse_args(argv)
    available, description = cuda_status()
    if not available:
        print(f"GPU 검사 건너뜀: CUDA GPU가 없습니다 (no CUDA GPU: {description}). "
              "Nothing was run; run `make gpu-check` on a machine with an NVIDIA GPU.")
        return 0
    print(f"CUDA: {description}", flush=True)
    lines = ["# GPU check", "", f"- GPU: {description}", f"- CPU: {os.cpu_count()} cores",
             f"- date: {time.strftime('%Y-%m-%d %H:%M')}", ""]
    ok = True
    if not args.no_notebooks:
        section, ok = notebook_section()
        lines += section
    lines += timing_section()
    report = Path(args.report)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    print(f"report written to {report}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
