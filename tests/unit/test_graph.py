"""The dependency graph, built from model objects directly."""

from pathlib import Path

import pytest

from composer.config.model import Ambassador, Dependency, Endpoint, Project, Service
from composer.errors import ComposeError, DependencyError
from composer.plan.graph import build_graph, dependencies, dependents, select, start_generations, stop_generations, to_dot, to_text


def project(*services: Service, ambassadors=()) -> Project:
    return Project(
        name="p",
        project_dir=Path("/tmp/p"),
        services={s.name: s for s in services},
        ambassadors={a.name: a for a in ambassadors},
        compose_files=("/tmp/p/compose.yaml",),
    )


def svc(name, **kw) -> Service:
    return Service(name=name, image="busybox", **kw)


HEALTHY = Dependency(condition="service_healthy", restart=True)


def three_tier():
    return project(
        svc("web", depends_on={"app": Dependency()}),
        svc("app", depends_on={"db": HEALTHY}),
        svc("db"),
        svc("cache"),
    )


def test_generations_follow_dependencies_and_reverse_for_stop():
    graph = build_graph(three_tier())
    assert start_generations(graph) == [["cache", "db"], ["app"], ["web"]]
    assert stop_generations(graph) == [["web"], ["app"], ["cache", "db"]]


def test_every_edge_kind_orders_start():
    p = project(
        svc("a", links=("b:bee",)),
        svc("b", volumes_from=("c:ro", "container:outside")),
        svc("c", network_mode="service:d"),
        svc("d"),
    )
    assert start_generations(build_graph(p)) == [["d"], ["c"], ["b"], ["a"]]


def test_cycle_is_named():
    p = project(svc("web", depends_on={"api": Dependency()}), svc("api", links=("web",)))
    with pytest.raises(DependencyError) as caught:
        build_graph(p)
    message = caught.value.lines()[0]
    assert "dependency cycle:" in message
    assert "web -> api -> web" in message or "api -> web -> api" in message
    assert message.startswith("/tmp/p/compose.yaml: services.")


def ambassador(name, target_service):
    return Ambassador(
        name=name,
        listen=Endpoint("tcp", "", 5432),
        target=Endpoint("tcp", target_service, 5432),
        target_service=target_service,
    )


def test_ambassadors_start_first_even_when_their_target_depends_on_nothing_yet():
    p = project(
        svc("firethorn", depends_on={"catalogue": Dependency()}),
        svc("pgcat", depends_on={"init": Dependency(condition="service_completed_successfully")}),
        svc("init"),
        ambassadors=[ambassador("catalogue", "pgcat")],
    )
    graph = build_graph(p)
    assert graph.nodes["catalogue"]["kind"] == "ambassador"
    assert start_generations(graph) == [["catalogue", "init"], ["firethorn", "pgcat"]]
    assert "catalogue" in select(graph, ["firethorn"])
    assert select(graph, ["catalogue"]) == {"catalogue", "pgcat", "init"}  # the target comes along


def test_a_cycle_through_an_ambassador_target_is_not_a_cycle():
    # pgcat talks back to its own clients through an ambassador: fine, ambassadors retry.
    p = project(svc("pgcat", depends_on={"catalogue": Dependency()}), ambassadors=[ambassador("catalogue", "pgcat")])
    assert start_generations(build_graph(p)) == [["catalogue"], ["pgcat"]]


def test_select_pulls_in_dependencies_unless_no_deps():
    graph = build_graph(three_tier())
    assert select(graph, ["web"]) == {"web", "app", "db"}
    assert select(graph, ["web"], with_dependencies=False) == {"web"}
    assert select(graph, []) == {"web", "app", "db", "cache"}
    assert start_generations(graph, select(graph, ["app"])) == [["db"], ["app"]]


def test_select_unknown_service_lists_choices():
    with pytest.raises(ComposeError) as caught:
        select(build_graph(three_tier()), ["wbe"])
    assert caught.value.lines() == ["<input>: no such service: wbe; choose from app, cache, db, web"]


def test_conditions_and_restart_dependents():
    graph = build_graph(three_tier())
    assert dependencies(graph, "app") == {"db": HEALTHY}
    assert dependents(graph, "db") == {"app"}
    assert dependents(graph, "app", restart_only=True) == set()
    assert dependents(graph, "db", restart_only=True) == {"app"}


def test_text_and_dot_output():
    p = three_tier()
    p.ambassadors["amb"] = ambassador("amb", "db")
    graph = build_graph(p)
    assert to_text(graph) == ["1: amb (ambassador), cache, db", "2: app", "3: web"]
    dot = to_dot(graph)
    assert '"app" -> "db" [label="depends_on\\nservice_healthy"];' in dot
    assert '"amb" -> "db" [label="target" style="dashed"];' in dot
    assert '"amb" [shape=diamond];' in dot


# --- the stop order `down` replays (composer/drivers/runc/stop_order.py) ---------------------------

def test_remembered_stop_order_is_the_graphs_and_only_for_the_same_edges(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from composer.drivers.runc import stop_order as dependencies
    from composer.plan.order import stop_order

    monkeypatch.setenv("COMPOSER_RUN", str(tmp_path))
    (tmp_path / "projects" / "p").mkdir(parents=True)
    tiers = three_tier()
    assert dependencies.remembered_stop_order(tiers) is None
    dependencies.remember_stop_order(tiers, stop_generations(build_graph(tiers)))
    assert dependencies.remembered_stop_order(tiers) == [["web"], ["app"], ["cache", "db"]]
    # a changed dependency, or a new service, is a different key: the graph decides again
    rewired = project(svc("web"), svc("app", depends_on={"web": Dependency()}), svc("db"), svc("cache"))
    assert dependencies.remembered_stop_order(rewired) is None
    assert dependencies.remembered_stop_order(project(*three_tier().services.values(), svc("extra"))) is None
    # a condition or restart flag changes no order, so the record still applies
    relaxed = project(svc("web", depends_on={"app": Dependency()}), svc("app", depends_on={"db": Dependency()}),
                      svc("db"), svc("cache"))
    assert dependencies.remembered_stop_order(relaxed) == [["web"], ["app"], ["cache", "db"]]

    def state(service):  # stop_order reads only the service of each container
        return SimpleNamespace(name=f"p-{service}-1", service=service)

    groups = stop_order(rewired, [state(s) for s in ("web", "app", "db", "cache", "gone")])
    assert [[s.service for s in group] for group in groups] == [["gone"], ["app"], ["web", "db", "cache"]]


def test_edges_name_every_kind_in_file_order():
    from composer.plan.edges import edges

    p = project(svc("a", depends_on={"b": Dependency()}, links=("c:alias",), volumes_from=("d:ro", "container:x"),
                    network_mode="service:e"), svc("b"), svc("c"), svc("d"), svc("e"),
                ambassadors=[ambassador("amb", "b")])
    assert [(a, b, kind) for a, b, kind, _ in edges(p)] == [
        ("a", "b", "depends_on"), ("a", "c", "links"), ("a", "d", "volumes_from"), ("a", "e", "network_mode"),
        ("amb", "b", "target")]
