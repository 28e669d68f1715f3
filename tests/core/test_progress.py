from core import progress


def test_report_reaches_the_bound_listener_and_nothing_outside_it():
    seen = []
    progress.report(1, 10)  # nobody listens: nothing happens, nothing fails
    with progress.listening(lambda done, total: seen.append((done, total))):
        progress.report(3, 10)
        progress.report(4)
    progress.report(5, 10)
    assert seen == [(3, 10), (4, None)]


def test_listeners_nest_and_the_outer_one_comes_back():
    outer, inner = [], []
    with progress.listening(lambda d, t: outer.append(d)):
        with progress.listening(lambda d, t: inner.append(d)):
            progress.report(1)
        progress.report(2)
    assert (outer, inner) == ([2], [1])
