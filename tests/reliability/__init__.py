"""Reliability suites: concurrent writers and SIGKILL crash campaigns (issue 5).

Workers run as real subprocesses (``python -m tests.reliability.<worker>``); the checks read the
store with plain SQL (``storefacts``), independently of the repositories under test.
"""
