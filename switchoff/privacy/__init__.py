"""Personal data after the campaign: how long it is kept, its erasure, a person's request, who looked at whom.

``registry.py`` is where every app declares the personal fields of its models (in its own ``personal.py``,
found when Django starts); ``erasure.py`` erases what a scope covers through those declarations;
``retention.py`` finds the campaigns past their retention and the people still needed; ``services.py`` writes.
"""
