"""The classroom: a browser app on Mesa's Solara visualization stack, and guided lessons.

- :mod:`.lessons`: the lessons as data (text, preset, what to watch for); ``docs/lessons/`` is
  generated from them.
- :mod:`.settings`: the app's controls, read from the scenario schema, and how they build a model.
- :mod:`.charts`: the live charts, as plain matplotlib figures of a running model.
- :mod:`.app`: the Solara page (``solara run computemarket.classroom.app``).
- :mod:`.commands`: ``computemarket app``.

Importing this package imports neither Solara nor the model, so the command line stays quick.
"""
