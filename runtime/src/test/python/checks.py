"""What the boto3 client scripts share: named checks that keep going past a failure, and their assertions."""

import traceback


class Checks:
    """Runs named checks, keeping going past a failure so one run reports every broken one."""

    def __init__(self):
        self.passed = 0
        self.failed = []

    def run(self, name, check):
        try:
            check()
            self.passed += 1
            print("ok   " + name, flush=True)
        except Exception:  # noqa: BLE001 - any failure of a check is reported, not raised
            self.failed.append(name)
            print("FAIL " + name + "\n" + traceback.format_exc(), flush=True)


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def expect_equal(actual, expected, what):
    expect(actual == expected, what + ": expected " + repr(expected) + " but got " + repr(actual))
