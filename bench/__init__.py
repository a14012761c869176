"""The benchmark (issue #23, item 6): ``python -m bench`` prints seven figures of the bot, measured
offline on the package's fake Bot API, each beside the goal the project tracks. It prints; it
never fails because a figure misses its goal. See docs/performance.md.
"""
