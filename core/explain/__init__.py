"""Explanations: why a commit is (or is not) in a compile, and what follows from that — the
record lens, the compile diff, blame, prefix-cache breaks, what a compaction lost, the token
timeline and exports. Plain frozen values out; the ``Tract`` methods are the entry points."""
