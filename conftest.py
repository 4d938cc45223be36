"""pytest settings shared by the unit tests and nbval."""

from nbval.plugin import IPyNbCell

# nbval waits a fixed 5 s for each output message after a cell finishes, which is
# flaky on a busy 2-core machine (nbval issues 151 and 231). Give it a minute.
NBVAL_OUTPUT_TIMEOUT = 60


def pytest_collection_modifyitems(items):
    for item in items:
        if isinstance(item, IPyNbCell):
            item.output_timeout = NBVAL_OUTPUT_TIMEOUT
