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
        # The guide: pool_size 10 + max_overflow 20 per process, up to 5 tasks, db.t3.micro.
        budget = connection_budget(
            instance_class="db.t3.micro", web_max_tasks=5, gunicorn_workers=1,
            pool=PoolSettings(pool_size=10, max_overflow=20), celery_tasks=0, celery_concurrency=0,
        )  # fmt: skip
        assert budget.lines[0].connections == 5 * 1 * 30
        assert budget.usable == sizing.rds_usable_connections("db.t3.micro")
        assert not budget.fits
        assert "= 156;" in budget.explain()

    def test_total_adds_every_line(self) -> None:
        budget = connection_budget(
            instance_class="db.t4g.small", web_max_tasks=4, gunicorn_workers=2,
            pool=sizing.pool_settings(8), celery_tasks=1, celery_concurrency=4,
        )  # fmt: skip
        assert [line.connections for line in budget.lines] == [4 * 2 * 10, 4, 1, 2, 3]
        assert budget.total == 90
        assert budget.limit == int(193 * sizing.DEFAULT_BUDGET_SHARE)
        assert budget.fits

    def test_the_share_keeps_headroom(self) -> None:
        tight = connection_budget(
            instance_class="db.t4g.micro", web_max_tasks=1, gunicorn_workers=1,
            pool=PoolSettings(pool_size=60, max_overflow=10), celery_tasks=0, celery_concurrency=0,
        )  # fmt: skip
        assert tight.total <= tight.usable  # it would open...
        assert not tight.fits  # ...but leaves no headroom for deploy overlap
