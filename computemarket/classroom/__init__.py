"""The classroom: a browser app on Mesa's Solara visualization stack, and guided lessons.

- :mod:`.lessons`: the lessons as data (text, preset, what to watch for); ``docs/lessons/`` is
  generated from them.
- :mod:`.settings`: the app's controls, read from the scenario schema, and how they build a model.
- :mod:`.charts`: the live charts, one per tab, drawn from the running model with the report's
  code, each with a text alternative giving its key numbers.
- :mod:`.assets`: the page's web assets, installed once (``make install``) so the app runs offline.
- :mod:`.app`: the Solara page (``solara run computemarket.classroom.app``).
- :mod:`.commands`: ``computemarket app``.

Importing this package imports neither Solara nor the model, so the command line stays quick.
"""
