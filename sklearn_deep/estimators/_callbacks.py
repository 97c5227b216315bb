"""scikit-learn's callbacks (:mod:`sklearn.callback`, scikit-learn ≥ 1.9) in the estimators.

A fit is one task of the callback framework and each epoch of the training loop (each
L-BFGS iteration) one subtask of it, as each L-BFGS iteration is in scikit-learn's
``LogisticRegression``. :class:`FitTask` opens the fit task and bridges the loop's
:class:`~sklearn_deep.training.EpochHooks` to the subtasks: the callbacks see the training
data given to ``fit``, and a ``fitted_estimator`` — a shallow copy of the estimator carrying
copies of the weights of that moment — built only when a callback asks for one. A callback
asking to stop ends training after that epoch (see :func:`~sklearn_deep.training.train_epochs`
for the weights kept then). Without callbacks the loop gets no hooks and runs as before.

The callbacks' ``teardown`` runs when ``fit`` returns or raises: scikit-learn's
``_fit_context``, which decorates every ``fit`` and ``partial_fit``, sees to it.
"""

__all__ = ["FitTask"]


class FitTask:
    """The fit task of ``estimator`` in the callback framework, begun on construction.

    Parameters
    ----------
    estimator : estimator with ``CallbackSupportMixin``
        The estimator being fitted (sub-estimators of a ``Pipeline`` or a search join the
        meta-estimator's task tree here).
    max_subtasks : int or None
        Epochs (or iterations) the fit runs at most; None when not known in advance.
    X, y : array-like
        The training data passed to ``fit``, as the callbacks see it (``ScoringMonitor``
        scores the ``fitted_estimator`` on it).
    metadata : dict, optional
        Training metadata, e.g. ``{"sample_weight": sample_weight}``.
    """

    def __init__(self, estimator, *, max_subtasks, X, y=None, metadata=None):
        self._estimator = estimator
        self._data = {"X": X, "y": y, "metadata": metadata}
        self.context = estimator._init_callback_context(max_subtasks=max_subtasks)
        self.context.call_on_fit_task_begin(estimator=estimator, **self._data)

    def epochs(self, task_name, reconstruction, *, parts=0, part_name=None):
        """The loop's hooks, one subtask per epoch; None when no callback is set.

        Parameters
        ----------
        task_name : str or callable
            Name of each subtask ('epoch', 'lbfgs-iter'), or a function called as each
            epoch begins that returns it (``ProgressBar`` shows the name a task begins
            with: word2vec puts its words/s so far there).
        reconstruction : callable
            ``reconstruction()`` returns the fitted attributes (copies) that make a copy of
            the estimator predict as the estimator does at that moment.
        parts : int, default=0
            With ``parts > 0`` each epoch is itself split into ``parts`` equal leaf tasks
            named ``part_name``, ended as the problem reports its progress through the
            epoch (``ProgressBar`` then draws a bar per epoch). They carry no data: a
            ``ScoringMonitor`` scores epochs, not parts.
        part_name : str, optional
            Name of the parts (what the epoch's progress counts, e.g. 'words').
        """
        if not getattr(self._estimator, "_skl_callbacks", None):
            return None
        return _EpochCallbacks(self, task_name, reconstruction, parts, part_name)

    def end(self):
        """End the fit task (the estimator is fitted: it is its own fitted estimator)."""
        self.context.call_on_fit_task_end(estimator=self._estimator, **self._data,
                                          reconstruction_attributes={})


class _EpochCallbacks:
    """:class:`~sklearn_deep.training.EpochHooks` calling the callbacks of a fit task."""

    def __init__(self, task, task_name, reconstruction, parts, part_name):
        self._task, self._task_name, self._reconstruction = task, task_name, reconstruction
        self._parts, self._part_name = parts, part_name
        self._context, self._parts_done = None, 0

    def begin(self):
        name = self._task_name() if callable(self._task_name) else self._task_name
        self._context = self._task.context.subcontext(task_name=name,
                                                      max_subtasks=self._parts)
        self._parts_done = 0
        self._context.call_on_fit_task_begin(estimator=self._task._estimator,
                                             **self._task._data,
                                             reconstruction_attributes=self._reconstruction)

    def progress(self, fraction):
        estimator = self._task._estimator
        while self._parts_done < min(int(fraction * self._parts), self._parts):
            part = self._context.subcontext(task_name=self._part_name)
            part.call_on_fit_task_begin(estimator=estimator)
            part.call_on_fit_task_end(estimator=estimator)
            self._parts_done += 1

    def end(self, state):
        if state is not None:
            self.progress(1.0)
        context, self._context = self._context, None
        if state is None:  # the epoch did not complete: an empty task, nothing to score
            context.call_on_fit_task_end(estimator=self._task._estimator)
            return False
        return context.call_on_fit_task_end(estimator=self._task._estimator,
                                            **self._task._data,
                                            reconstruction_attributes=self._reconstruction)
