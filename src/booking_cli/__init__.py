"""The ``booking`` command: composes the API, the MCP server, the bot and the worker.

It is the one place that imports more than one part of the project; the parts themselves
import none of each other (``tests/test_architecture.py`` holds them to it).
"""
