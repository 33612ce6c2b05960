"""skmtl._memory: the tightest memory limit, read from fake /proc and cgroup files.

No limit is ever set on the test process: the readers are pointed at files
in tmp_path, and resource.getrlimit is replaced.
"""

import pytest

import skmtl._memory as memory

GiB = 2**30


@pytest.fixture
def fake_system(tmp_path, monkeypatch):
    """A machine with 64 GiB available, no cgroup limit and no rlimit; returns a writer."""
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "meminfo").write_text(
        f"MemTotal:       {128 * GiB // 1024} kB\nMemAvailable:   {64 * GiB // 1024} kB\n"
    )
    (proc / "status").write_text(f"Name:\tpython\nVmSize:\t{3 * GiB // 1024} kB\nVmData:\t{GiB // 1024} kB\n")
    (proc / "cgroup").write_text("0::/\n")
    cgroup = tmp_path / "cgroup"
    cgroup.mkdir()
    monkeypatch.setattr(memory, "PROC_MEMINFO", str(proc / "meminfo"))
    monkeypatch.setattr(memory, "PROC_SELF_STATUS", str(proc / "status"))
    monkeypatch.setattr(memory, "PROC_SELF_CGROUP", str(proc / "cgroup"))
    monkeypatch.setattr(memory, "CGROUP_ROOT", str(cgroup))
    rlimits = {}
    monkeypatch.setattr(memory, "_getrlimit", lambda name: rlimits.get(name))

    def write(relative, text):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    write.rlimits = rlimits
    return write


def test_machine_memory_alone(fake_system):
    assert memory.available_memory() == 64 * GiB
    assert memory.tightest_memory_limit().source.startswith("MemAvailable")


def test_cgroup_v2_limit_minus_usage(fake_system):
    fake_system("cgroup/memory.max", f"{2 * GiB}\n")
    fake_system("cgroup/memory.current", f"{3 * GiB // 2}\n")
    # Inactive page cache is reclaimed before the limit bites: not counted as used.
    fake_system("cgroup/memory.stat", f"anon 1\ninactive_file {GiB // 4}\nactive_file 7\n")
    assert memory.available_memory() == 2 * GiB - (3 * GiB // 2 - GiB // 4)
    with pytest.raises(MemoryError, match=r"The training Gram matrix would need 1.0 GiB, but only "
                                          r"768.0 MiB of memory is available \(cgroup v2 limit "
                                          r"2.0 GiB .*memory.max.*\)\. Use fewer rows\.$"):
        memory.check_memory(GiB, "training Gram matrix", "Use fewer rows.")


def test_cgroup_v2_max_means_no_limit_and_a_parent_limit_applies(fake_system):
    fake_system("proc/cgroup", "0::/job/step\n")
    fake_system("cgroup/memory.max", "max\n")
    fake_system("cgroup/memory.current", f"{GiB}\n")
    fake_system("cgroup/job/memory.max", f"{4 * GiB}\n")
    fake_system("cgroup/job/memory.current", f"{GiB}\n")
    fake_system("cgroup/job/step/memory.max", "max\n")
    fake_system("cgroup/job/step/memory.current", f"{GiB // 2}\n")
    limit = memory.tightest_memory_limit()
    assert limit.available == 3 * GiB
    assert "job/memory.max" in limit.source


def test_cgroup_v1_limit_minus_usage_and_unlimited_ignored(fake_system):
    fake_system("proc/cgroup", "4:memory:/docker/abc\n0::/\n")
    fake_system("cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n")  # unlimited
    fake_system("cgroup/memory/memory.usage_in_bytes", f"{10 * GiB}\n")
    fake_system("cgroup/memory/docker/abc/memory.limit_in_bytes", f"{8 * GiB}\n")
    fake_system("cgroup/memory/docker/abc/memory.usage_in_bytes", f"{6 * GiB}\n")
    fake_system("cgroup/memory/docker/abc/memory.stat",
                f"cache 1\ntotal_inactive_file {GiB}\nhierarchical_memory_limit 9223372036854771712\n")
    limit = memory.tightest_memory_limit()
    assert limit.available == 8 * GiB - 5 * GiB
    assert limit.source.startswith("cgroup v1 limit 8.0 GiB")


def test_cgroup_v1_hierarchical_limit_is_the_tighter(fake_system):
    fake_system("cgroup/memory/memory.limit_in_bytes", f"{16 * GiB}\n")
    fake_system("cgroup/memory/memory.usage_in_bytes", f"{GiB}\n")
    fake_system("cgroup/memory/memory.stat", f"hierarchical_memory_limit {2 * GiB}\n")
    assert memory.available_memory() == GiB


def test_rlimit_as_minus_virtual_size(fake_system):
    fake_system.rlimits["AS"] = (4 * GiB, 8 * GiB)  # ulimit -v; VmSize is 3 GiB
    limit = memory.tightest_memory_limit()
    assert limit.available == GiB
    assert limit.source == "RLIMIT_AS (ulimit -v) 4.0 GiB, 3.0 GiB of it in use (VmSize)"
    with pytest.raises(MemoryError, match=r"only 1.0 GiB .*RLIMIT_AS \(ulimit -v\)"):
        memory.check_memory(2 * GiB, "buffer", "Smaller.")


def test_rlimit_data_minus_data_size(fake_system):
    fake_system.rlimits["DATA"] = (GiB + GiB // 2, GiB + GiB // 2)  # VmData is 1 GiB
    assert memory.available_memory() == GiB // 2


def test_unlimited_rlimit_is_ignored(fake_system):
    infinity = getattr(memory.resource, "RLIM_INFINITY", -1)
    fake_system.rlimits["AS"] = (infinity, infinity)
    assert memory.available_memory() == 64 * GiB


def test_check_memory_keeps_a_safety_margin(fake_system):
    fake_system("proc/meminfo", f"MemAvailable: {GiB // 1024} kB\n")
    memory.check_memory(int(0.89 * GiB), "x", "y")  # fits
    with pytest.raises(MemoryError, match="would need 938.7 MiB"):
        memory.check_memory(int(0.9167 * GiB), "x", "y")  # over 90% of what is left


def test_nothing_known_means_no_refusal(monkeypatch):
    monkeypatch.setattr(memory, "memory_limits", lambda: [])
    assert memory.available_memory() is None
    memory.check_memory(10**18, "x", "y")


def test_the_real_readers_run_here():
    limits = memory.memory_limits()
    assert all(limit.available >= 0 and limit.source for limit in limits)


@pytest.mark.parametrize(
    "n_bytes, text",
    [(3.25 * GiB, "3.2 GiB"), (80 * 1024, "80.0 KiB"), (5 * 2**20, "5.0 MiB"), (12, "12 bytes")],
)
def test_format_bytes(n_bytes, text):
    assert memory.format_bytes(n_bytes) == text
