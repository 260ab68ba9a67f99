"""Pure sizing rules: Fargate sizes, RDS connection limits, pools and the connection budget."""

from __future__ import annotations

import pytest

from superset_stack import sizing
from superset_stack.sizing import PoolSettings, connection_budget


class TestFargate:
    @pytest.mark.parametrize(
        ("cpu", "memory"), [(256, 512), (256, 2048), (512, 1024), (512, 4096), (1024, 8192), (4096, 30720),
                            (8192, 61440), (16384, 122880)]
    )  # fmt: skip
    def test_accepts_sizes_aws_lists(self, cpu: int, memory: int) -> None:
        assert sizing.fargate_size_error(cpu, memory) is None

    def test_256_cpu_takes_only_three_memory_sizes(self) -> None:
        assert sizing.FARGATE_CPU_MEMORY_MIB[256] == (512, 1024, 2048)
        assert sizing.fargate_size_error(256, 3072) == (
            "memory 3072 MiB does not pair with cpu 256; allowed: 512, 1024, 2048 MiB"
        )

    def test_rejects_memory_outside_the_range(self) -> None:
        assert sizing.fargate_size_error(1024, 1024) == (
            "memory 1024 MiB does not pair with cpu 1024; allowed: 2048-8192 MiB in steps of 1024"
        )

    def test_rejects_memory_off_the_step(self) -> None:
        assert sizing.fargate_size_error(8192, 18432) == (
            "memory 18432 MiB does not pair with cpu 8192; allowed: 16384-61440 MiB in steps of 4096"
        )

    def test_rejects_unknown_cpu(self) -> None:
        assert sizing.fargate_size_error(3000, 4096) == (
            "cpu 3000 is not a Fargate size; allowed: 256, 512, 1024, 2048, 4096, 8192, 16384"
        )


class TestGunicornMemory:
    def test_the_stock_ten_workers_do_not_fit_a_one_gib_task(self) -> None:
        # run-server.sh in older images defaulted to 10 workers (performance.md section 1.2)
        assert sizing.gunicorn_memory_mib(10) > 1024

    def test_two_workers_fit_a_one_gib_task(self) -> None:
        assert sizing.gunicorn_memory_mib(2) <= 1024

    def test_grows_by_one_worker_rss_per_worker(self) -> None:
        assert sizing.gunicorn_memory_mib(3) - sizing.gunicorn_memory_mib(2) == sizing.GUNICORN_WORKER_RSS_MIB


class TestPool:
    @pytest.mark.parametrize("threads", [1, 4, 8, 20])
    def test_pool_holds_one_connection_per_thread_plus_a_little_overflow(self, threads: int) -> None:
        pool = sizing.pool_settings(threads)
        assert pool.pool_size == threads
        assert 1 <= pool.max_overflow <= max(1, threads // 4)
        assert pool.max_connections == pool.pool_size + pool.max_overflow

    def test_rejects_zero_threads(self) -> None:
        with pytest.raises(ValueError, match="threads must be at least 1, got 0"):
            sizing.pool_settings(0)


class TestRdsConnections:
    def test_matches_values_observed_on_aws(self) -> None:
        # Observed max_connections reported for these memory sizes (shared/reference/performance.md),
        # not figures our formula produced: they check the OS-reservation model against AWS.
        assert sizing.rds_max_connections("db.t3.micro") == 85
        assert sizing.rds_max_connections("db.t4g.small") == 198
        assert sizing.rds_max_connections("db.m7g.large") == 856

    def test_the_usable_share_leaves_the_five_reserved_slots(self) -> None:
        for instance_class in sizing.DB_INSTANCE_MEMORY_GIB:
            assert (
                sizing.rds_usable_connections(instance_class)
                == sizing.rds_max_connections(instance_class) - 5
            )

    def test_grows_with_memory_and_stops_at_the_cap(self) -> None:
        by_memory = sorted(sizing.DB_INSTANCE_MEMORY_GIB.items(), key=lambda item: item[1])
        values = [sizing.rds_max_connections(name) for name, _ in by_memory]
        assert values == sorted(values)
        assert sizing.rds_max_connections("db.r7g.2xlarge") == 5000  # 64 GiB: the formula passes the cap

    def test_unknown_class(self) -> None:
        with pytest.raises(KeyError):
            sizing.rds_max_connections("db.x9.huge")


class TestConnectionBudget:
    def test_the_guides_settings_are_rejected(self) -> None:
        # The guide: 10 gunicorn workers x 20 threads (pool 20+5), up to 5 tasks, db.t3.micro.
        budget = connection_budget(
            instance_class="db.t3.micro", web_max_tasks=5, gunicorn_workers=10, gunicorn_threads=20,
            worker_tasks=1, celery_concurrency=2,
        )  # fmt: skip
        assert budget.steady[0].connections == 5 * 10 * 25
        assert budget.peak[0].connections == 10 * 10 * 25
        assert budget.usable == sizing.rds_usable_connections("db.t3.micro") == 80
        assert not budget.fits

    def test_steady_and_worst_moment_add_every_line(self) -> None:
        budget = connection_budget(
            instance_class="db.t4g.small", web_max_tasks=4, gunicorn_workers=2, gunicorn_threads=8,
            worker_tasks=1, celery_concurrency=4,
        )  # fmt: skip
        assert [(line.part, line.connections) for line in budget.steady] == [
            ("web", 4 * 2 * 10), ("worker", 1 * (4 * 2 + 1 + 1)), ("beat", 1), ("operators", 3),
        ]  # fmt: skip
        assert [(line.part, line.connections) for line in budget.peak] == [
            ("web", 8 * 2 * 10), ("worker", 2 * (4 * 2 + 1 + 1)), ("beat", 1), ("migration", 2), ("operators", 3),
        ]  # fmt: skip
        assert (budget.steady_total, budget.peak_total, budget.usable) == (94, 186, 193)
        assert budget.limit == int(193 * sizing.DEFAULT_BUDGET_SHARE)  # the connections alarm
        assert budget.fits
        assert budget.explain() == (
            "steady 80 (web 4 tasks x 2 workers x pool 8+2) + 10 (worker 1 tasks x (4 children x pool 1+1 + main "
            "process + health check)) + 1 (beat 1) + 3 (operators) = 94; worst moment (web and worker mid-rollout "
            "at their ceilings) 160 (web 8 tasks x 2 workers x pool 8+2) + 20 (worker 2 tasks x (4 children x pool "
            "1+1 + main process + health check)) + 1 (beat 1) + 2 (migration task) + 3 (operators) = 186; "
            "db.t4g.small allows 193 to the application (198 max_connections - 5 reserved)"
        )

    def test_the_peak_follows_the_deployment_maximum_percents(self) -> None:
        def peak(web_percent: int, worker_percent: int) -> list[int]:
            budget = connection_budget(
                instance_class="db.m7g.large", web_max_tasks=10, gunicorn_workers=4, gunicorn_threads=8,
                worker_tasks=2, celery_concurrency=4,
                web_deployment_maximum_percent=web_percent, worker_deployment_maximum_percent=worker_percent,
            )  # fmt: skip
            return [line.connections for line in budget.peak]

        assert peak(200, 200) == [800, 40, 1, 2, 3]
        assert peak(150, 100) == [600, 20, 1, 2, 3]  # 15 web tasks; 2 workers replaced in place
        assert peak(100, 100) == [400, 20, 1, 2, 3]


class TestPools:
    def test_celery_children_beat_and_bootstrap_are_single_threaded(self) -> None:
        for process in ("worker", "beat", "bootstrap"):
            assert sizing.process_pool_settings(process, threads=8) == PoolSettings(
                pool_size=1, max_overflow=1
            )

    def test_web_and_unknown_processes_follow_the_threads(self) -> None:
        assert sizing.process_pool_settings("web", threads=8) == PoolSettings(pool_size=8, max_overflow=2)
        assert sizing.process_pool_settings("", threads=8) == sizing.pool_settings(8)


class TestRollouts:
    @pytest.mark.parametrize(
        ("maximum", "tasks", "may_stop_all", "minimum"),
        [(200, 1, False, 100), (150, 4, True, 100), (100, 2, False, 50), (100, 1, False, 50), (100, 1, True, 0),
         (100, 3, True, 50)],
    )  # fmt: skip
    def test_minimum_healthy_percent(
        self, maximum: int, tasks: int, may_stop_all: bool, minimum: int
    ) -> None:
        assert sizing.deployment_minimum_healthy_percent(maximum, tasks, may_stop_all=may_stop_all) == minimum

    @pytest.mark.parametrize(
        ("tasks", "maximum", "minimum", "progresses"),
        [(1, 200, 100, True), (1, 150, 100, False), (2, 150, 100, True), (3, 133, 100, False),
         (3, 134, 100, True), (1, 100, 50, False), (2, 100, 50, True), (1, 100, 0, True)],
    )  # fmt: skip
    def test_rollout_progresses(self, tasks: int, maximum: int, minimum: int, progresses: bool) -> None:
        assert sizing.rollout_progresses(tasks, maximum, minimum) is progresses

    def test_rollout_tasks_round_down(self) -> None:
        assert [sizing.rollout_tasks(tasks, 150) for tasks in (1, 2, 3, 10)] == [1, 3, 4, 15]


@pytest.mark.parametrize("instance_class", ["db.t4g.micro", "db.t4g.medium", "db.m7g.large", "db.r7g.xlarge"])
def test_the_app_roles_limit_leaves_the_migration_and_operators_their_connections(
    instance_class: str,
) -> None:
    budget = connection_budget(instance_class=instance_class, web_max_tasks=2, gunicorn_workers=2,
                               gunicorn_threads=4, worker_tasks=1, celery_concurrency=2)  # fmt: skip
    assert (
        budget.application_limit == budget.usable - sizing.MIGRATION_CONNECTIONS - sizing.OPERATOR_CONNECTIONS
    )
    assert budget.fits
    # web, worker and beat at their worst moment stay within it (the master's share is what is left)
    application = sum(line.connections for line in budget.peak if line.part in ("web", "worker", "beat"))
    assert application <= budget.application_limit
    # the connections alarm fires before the role's limit refuses anything
    assert budget.limit < budget.application_limit
