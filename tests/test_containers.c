// SPDX-License-Identifier: MIT
/*
 * test_containers.c: finding containers (userspace/collect/containers.c)
 * from their cgroup paths and from snapshot trees under a fake root
 * (tests/fixtures/cgroup: cgroup v2 docker, a Kubernetes pod, rootless
 * podman with nspawn and LXC beside it, and a hybrid v1 docker host), their
 * names from the runtimes' state, the row each gets, containers that stop
 * and start, and hostile cgroup files (truncated, huge values, missing,
 * a container vanishing mid-read).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/testutil.h"
#include "pc/bpf_sampler.h"
#include "pc/containers.h"

#define D1 "5f2b8a1c9e3d4f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c"
#define D2 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define K1 "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define KP "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
#define P1 "9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b"
#define V1 "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"

static void test_classify(void **state)
{
	static const struct {
		const char *rel;
		int rt;
		const char *id;
	} cases[] = {
	    {"system.slice/docker-" D1 ".scope", PC_CT_DOCKER, D1},
	    {"docker/" D1, PC_CT_DOCKER, D1},
	    {"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podx.slice/"
	     "cri-containerd-" K1 ".scope",
	     PC_CT_CONTAINERD, K1},
	    {"kubepods/burstable/pod3f1c/" K1, PC_CT_CONTAINERD, K1},
	    {"kubepods.slice/kubepods-podx.slice/crio-" K1 ".scope", PC_CT_CRIO, K1},
	    {"kubepods.slice/kubepods-podx.slice/docker-" K1 ".scope", PC_CT_DOCKER, K1},
	    {"machine.slice/libpod-" P1 ".scope", PC_CT_PODMAN, P1},
	    {"user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" P1 ".scope",
	     PC_CT_PODMAN, P1},
	    {"machine.slice/machine-build\\x2dbox.scope", PC_CT_NSPAWN, "build-box"},
	    {"lxc.payload.web1", PC_CT_LXC, "web1"},
	    {"lxc/web1", PC_CT_LXC, "web1"},
	    /* Not containers. */
	    {"machine.slice/libpod-conmon-" P1 ".scope", -1, NULL},
	    {"lxc.monitor.web1", -1, NULL},
	    {"system.slice/docker.service", -1, NULL},
	    {"docker", -1, NULL},
	    {"docker/" D1 "x", -1, NULL},
	    {"docker/5F2B8A1C9E3D4F6A7B8C9D0E1F2A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C", -1, NULL},
	    {"system.slice/" D1, -1, NULL},
	    {"kubepods.slice/kubepods-burstable.slice", -1, NULL},
	    {"machine.slice/machine-.scope", -1, NULL},
	    {"user.slice/lxc/web1", -1, NULL},
	};
	char id[80];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		int rt = containers__classify(cases[i].rel, id, sizeof(id));

		if (rt != cases[i].rt)
			fail_msg("%s: runtime %d, want %d", cases[i].rel, rt, cases[i].rt);
		if (rt >= 0)
			assert_string_equal(id, cases[i].id);
	}
}

static void test_keys(void **state)
{
	char key[PC_KEY_MAX], rt[16], id[80], name[128], longname[120];

	(void)state;
	assert_int_equal(pc_container_key(key, sizeof(key), "docker", D1, "web"), 0);
	assert_string_equal(key, "docker/" D1 "/web");
	assert_int_equal(
	    pc_container_split_key(key, rt, sizeof(rt), id, sizeof(id), name, sizeof(name)), 0);
	assert_string_equal(rt, "docker");
	assert_string_equal(id, D1);
	assert_string_equal(name, "web");
	/* No name, and a name equal to the id, and one that does not fit whole: no name part. */
	pc_container_key(key, sizeof(key), "docker", D1, "");
	assert_string_equal(key, "docker/" D1);
	pc_container_key(key, sizeof(key), "lxc", "web1", "web1");
	assert_string_equal(key, "lxc/web1");
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	pc_container_key(key, sizeof(key), "docker", D1, longname);
	assert_string_equal(key, "docker/" D1);
	/* Kubernetes names hold slashes: everything after the id is the name. */
	assert_int_equal(pc_container_split_key("containerd/" K1 "/prod/shop/app", rt, sizeof(rt),
						id, sizeof(id), name, sizeof(name)),
			 0);
	assert_string_equal(name, "prod/shop/app");
	assert_int_equal(
	    pc_container_split_key("docker", rt, sizeof(rt), id, sizeof(id), name, sizeof(name)),
	    -EINVAL);
}

/* Options for a snapshot tree under tests/fixtures/cgroup/<tree> (or any root). */
static struct pc_ct_opts opts_at(const char *root, char buf[4][4096])
{
	snprintf(buf[0], 4096, "%s/sys/fs/cgroup", root);
	snprintf(buf[1], 4096, "%s/var/lib/docker", root);
	snprintf(buf[2], 4096, "%s/run/containerd", root);
	snprintf(buf[3], 4096, "%s/home", root);
	return (struct pc_ct_opts){.cgroot = buf[0],
				   .docker_root = buf[1],
				   .containerd_run = buf[2],
				   .podman_root = buf[1], /* none there */
				   .home_root = buf[3]};
}

/* Scan and read the tree at root into s; the number of containers. */
static int scan_read(const char *root, struct pc_sample *s, struct pc_perr *perr)
{
	char buf[4][4096];
	struct pc_ct_opts o = opts_at(root, buf);
	struct pc_containers *c = containers__open(&o);
	int n;

	assert_non_null(c);
	n = containers__scan(c, perr);
	assert_true(n >= 0);
	assert_int_equal(containers__read(c, s, perr), 0);
	containers__free(c);
	return n;
}

static const uint64_t *row_of(const struct pc_sample *s, const char *key)
{
	int i = pc_table_find(&s->t[PC_G_CONTAINER], key);

	if (i < 0)
		fail_msg("no row %s", key);
	return pc_table_row(&s->t[PC_G_CONTAINER], (uint32_t)i);
}

static void test_v2_docker(void **state)
{
	struct pc_perr perr = {0};
	struct pc_sample s;
	const uint64_t *r;

	(void)state;
	pc_sample_init(&s);
	assert_int_equal(scan_read(tu_path(tu_fixtures(), "cgroup/v2-docker"), &s, &perr), 2);
	assert_int_equal(perr.count, 0);
	assert_int_equal(s.t[PC_G_CONTAINER].nrows, 2);
	r = row_of(&s, "docker/" D1 "/web-frontend");
	assert_int_equal(r[PC_CT_CPU_USAGE_US], 5000000);
	assert_int_equal(r[PC_CT_CPU_USER_US], 4000000);
	assert_int_equal(r[PC_CT_CPU_SYSTEM_US], 1000000);
	assert_int_equal(r[PC_CT_CPU_QUOTA_US], 50000);
	assert_int_equal(r[PC_CT_CPU_PERIOD_US], 100000);
	assert_int_equal(r[PC_CT_CPU_PERIODS], 120);
	assert_int_equal(r[PC_CT_CPU_THROTTLED], 7);
	assert_int_equal(r[PC_CT_CPU_THROTTLED_US], 350000);
	assert_int_equal(r[PC_CT_MEM_CURRENT], 104857600);
	assert_int_equal(r[PC_CT_MEM_MAX], 536870912);
	assert_int_equal(r[PC_CT_MEM_ANON], 67108864);
	assert_int_equal(r[PC_CT_MEM_FILE], 33554432);
	assert_int_equal(r[PC_CT_MEM_KERNEL], 2097152);
	assert_int_equal(r[PC_CT_MEM_SLAB], 1048576);
	assert_int_equal(r[PC_CT_IO_READ_BYTES], 4096 + 1000000);
	assert_int_equal(r[PC_CT_IO_WRITE_BYTES], 8192 + 2000000);
	assert_int_equal(r[PC_CT_IO_READ_OPS], 11);
	assert_int_equal(r[PC_CT_IO_WRITE_OPS], 22);
	assert_int_equal(r[PC_CT_PIDS_CURRENT], 12);
	assert_int_equal(r[PC_CT_PIDS_MAX], 0);
	assert_int_equal(r[PC_CT_CPU_SOME_US], 111);
	assert_int_equal(r[PC_CT_MEM_SOME_US], 222);
	assert_int_equal(r[PC_CT_MEM_FULL_US], 11);
	assert_int_equal(r[PC_CT_IO_SOME_US], 333);
	assert_int_equal(r[PC_CT_IO_FULL_US], 22);
	/* No state on disk: no name in the key (exports show the short id). */
	r = row_of(&s, "docker/" D2);
	assert_int_equal(r[PC_CT_CPU_QUOTA_US], 0);
	assert_int_equal(r[PC_CT_MEM_MAX], 0);
	assert_int_equal(r[PC_CT_PIDS_MAX], 4915);
	pc_sample_free(&s);
}

/* A bpf_cgroup row as the eBPF reader makes it. */
static void cg_row(struct pc_sample *s, const char *path, uint64_t cpu, uint64_t wait, uint64_t n)
{
	uint64_t *r = pc_table_add(&s->t[PC_G_BPF_CGROUP], path);

	assert_non_null(r);
	r[PC_CG_CPU_NS] = cpu;
	r[PC_CG_WAIT_NS] = wait;
	r[PC_CG_WAITS] = n;
}

/*
 * The eBPF join: a container gets the bpf_cgroup rows of its v2 directory
 * and of the cgroups below it, not those of a sibling whose name it prefixes,
 * nor of its parent.
 */
static void test_join_bpf(void **state)
{
	char buf[4][4096];
	struct pc_ct_opts o = opts_at(tu_path(tu_fixtures(), "cgroup/v2-docker"), buf);
	struct pc_containers *c = containers__open(&o);
	struct pc_perr perr = {0};
	struct pc_sample s;
	const uint64_t *r;
	char dir[4096];
	uint64_t id;

	(void)state;
	assert_non_null(c);
	pc_sample_init(&s);
	assert_int_equal(containers__scan(c, &perr), 2);
	assert_int_equal(containers__read(c, &s, &perr), 0);
	cg_row(&s, "/system.slice", 1, 1, 1);
	cg_row(&s, "/system.slice/docker-" D1 ".scope", 300, 40, 4);
	cg_row(&s, "/system.slice/docker-" D1 ".scope/init", 20, 5, 1);
	cg_row(&s, "/system.slice/docker-" D1 ".scopeX", 7000, 7000, 7);
	cg_row(&s, "/system.slice/docker-" D2 ".scope", 9, 0, 0);
	containers__join_bpf(c, &s);
	r = row_of(&s, "docker/" D1 "/web-frontend");
	assert_int_equal(r[PC_CT_BPF_CPU_NS], 320);
	assert_int_equal(r[PC_CT_RUNQ_WAIT_NS], 45);
	assert_int_equal(r[PC_CT_RUNQ_WAITS], 5);
	r = row_of(&s, "docker/" D2);
	assert_int_equal(r[PC_CT_BPF_CPU_NS], 9);
	assert_int_equal(r[PC_CT_RUNQ_WAITS], 0);
	pc_sample_free(&s);
	/* A path too long for a row key is cut to "...tail": its cgroup id still joins it. */
	pc_sample_init(&s);
	assert_int_equal(containers__read(c, &s, &perr), 0);
	snprintf(dir, sizeof(dir), "%s/sys/fs/cgroup/system.slice/docker-" D2 ".scope",
		 tu_path(tu_fixtures(), "cgroup/v2-docker"));
	id = bpf_names__cgroup_id(dir);
	if (id) {
		uint64_t *cut = pc_table_add(&s.t[PC_G_BPF_CGROUP], "...ce/docker-" D2 ".scope");

		cut[PC_CG_ID] = id;
		cut[PC_CG_CPU_NS] = 77;
		containers__join_bpf(c, &s);
		assert_int_equal(row_of(&s, "docker/" D2)[PC_CT_BPF_CPU_NS], 77);
	} else {
		print_message("  no file handles here (%s): the join by id not judged\n",
			      strerror(errno));
	}
	pc_sample_free(&s);
	containers__free(c);
}

static void test_v2_k8s(void **state)
{
	struct pc_perr perr = {0};
	struct pc_sample s;
	const uint64_t *r;

	(void)state;
	pc_sample_init(&s);
	assert_int_equal(scan_read(tu_path(tu_fixtures(), "cgroup/v2-k8s"), &s, &perr), 2);
	assert_int_equal(perr.count, 0);
	r = row_of(&s, "containerd/" K1 "/prod/shop-7d9f8c-x2k4p/app");
	assert_int_equal(r[PC_CT_CPU_QUOTA_US], 200000);
	assert_int_equal(r[PC_CT_MEM_CURRENT], 52428800);
	assert_int_equal(r[PC_CT_IO_WRITE_OPS], 10);
	/* The pod's sandbox (pause) container is named by the pod. */
	r = row_of(&s, "containerd/" KP "/prod/shop-7d9f8c-x2k4p");
	assert_int_equal(r[PC_CT_MEM_CURRENT], 409600);
	pc_sample_free(&s);
}

static void test_v2_podman_nspawn_lxc(void **state)
{
	struct pc_perr perr = {0};
	struct pc_sample s;
	const uint64_t *r;

	(void)state;
	pc_sample_init(&s);
	assert_int_equal(scan_read(tu_path(tu_fixtures(), "cgroup/v2-podman"), &s, &perr), 3);
	assert_int_equal(perr.count, 0);
	r = row_of(&s, "podman/" P1 "/toolbox-dev");
	assert_int_equal(r[PC_CT_CPU_USAGE_US], 300000);
	assert_int_equal(r[PC_CT_PIDS_CURRENT], 3);
	r = row_of(&s, "nspawn/build-box");
	assert_int_equal(r[PC_CT_PIDS_CURRENT], 2);
	r = row_of(&s, "lxc/web1");
	assert_int_equal(r[PC_CT_MEM_MAX], 1073741824);
	assert_int_equal(r[PC_CT_PIDS_MAX], 100);
	pc_sample_free(&s);
}

static void test_v1_hybrid(void **state)
{
	struct pc_perr perr = {0};
	struct pc_sample s;
	const uint64_t *r;

	(void)state;
	pc_sample_init(&s);
	assert_int_equal(scan_read(tu_path(tu_fixtures(), "cgroup/v1-docker"), &s, &perr), 1);
	assert_int_equal(perr.count, 0);
	r = row_of(&s, "docker/" V1 "/db");
	assert_int_equal(r[PC_CT_CPU_USAGE_US], 12345678);
	assert_int_equal(r[PC_CT_CPU_USER_US], 1000 * (1000000 / sysconf(_SC_CLK_TCK)));
	assert_int_equal(r[PC_CT_CPU_SYSTEM_US], 200 * (1000000 / sysconf(_SC_CLK_TCK)));
	assert_int_equal(r[PC_CT_CPU_QUOTA_US], 150000);
	assert_int_equal(r[PC_CT_CPU_PERIOD_US], 100000);
	assert_int_equal(r[PC_CT_CPU_PERIODS], 400);
	assert_int_equal(r[PC_CT_CPU_THROTTLED], 25);
	assert_int_equal(r[PC_CT_CPU_THROTTLED_US], 1500000);
	assert_int_equal(r[PC_CT_MEM_CURRENT], 73400320);
	assert_int_equal(r[PC_CT_MEM_MAX], 0); /* PAGE_COUNTER_MAX: no limit */
	assert_int_equal(r[PC_CT_MEM_ANON], 67112960);
	assert_int_equal(r[PC_CT_MEM_FILE], 8519680);
	assert_int_equal(r[PC_CT_MEM_KERNEL], 3145728);
	assert_int_equal(r[PC_CT_IO_READ_BYTES], 4096 + 8192);
	assert_int_equal(r[PC_CT_IO_WRITE_BYTES], 1048576);
	assert_int_equal(r[PC_CT_IO_READ_OPS], 3);
	assert_int_equal(r[PC_CT_IO_WRITE_OPS], 256);
	assert_int_equal(r[PC_CT_PIDS_CURRENT], 3);
	assert_int_equal(r[PC_CT_PIDS_MAX], 0);
	pc_sample_free(&s);
}

/* A copy of a fixture tree to spoil. */
static char *copy_tree(const char *tree)
{
	char *tmp = tu_tmpdir(), cmd[8192];

	snprintf(cmd, sizeof(cmd), "cp -a '%s/.' '%s/'", tu_path(tu_fixtures(), tree), tmp);
	assert_int_equal(system(cmd), 0);
	return tmp;
}

static void spoil(const char *root, const char *rel, const char *text)
{
	char p[8192];
	FILE *f;

	snprintf(p, sizeof(p), "%s/sys/fs/cgroup/%s", root, rel);
	if (!text) {
		assert_int_equal(unlink(p), 0);
		return;
	}
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_hostile(void **state)
{
	const char *c2 = "system.slice/docker-" D2 ".scope";
	char *root = copy_tree("cgroup/v2-docker"), p[8192], buf[4][4096];
	struct pc_ct_opts o = opts_at(root, buf);
	struct pc_containers *c = containers__open(&o);
	struct pc_perr perr = {0};
	struct pc_sample s;
	const uint64_t *r;

	(void)state;
	pc_sample_init(&s);
	/* Truncated mid-line, a value past 2^64, a missing file, garbage, an empty file. */
	spoil(root, "system.slice/docker-" D1 ".scope/cpu.stat", "usage_usec 5000000\nuser_usec");
	spoil(root, "system.slice/docker-" D1 ".scope/memory.current", "99999999999999999999999\n");
	spoil(root, "system.slice/docker-" D1 ".scope/memory.stat", NULL);
	spoil(root, "system.slice/docker-" D1 ".scope/io.stat", "8:0 rbytes=x wbytes=1\n");
	spoil(root, "system.slice/docker-" D1 ".scope/pids.current", "");
	assert_int_equal(containers__scan(c, &perr), 2);
	assert_int_equal(containers__read(c, &s, &perr), 0);
	assert_int_equal(s.t[PC_G_CONTAINER].nrows, 2);
	r = row_of(&s, "docker/" D1 "/web-frontend");
	assert_int_equal(r[PC_CT_CPU_USAGE_US], 5000000); /* read before the cut */
	assert_int_equal(r[PC_CT_MEM_CURRENT], 0);
	assert_int_equal(r[PC_CT_MEM_ANON], 0);
	assert_int_equal(r[PC_CT_MEM_MAX], 536870912); /* the others still read */
	assert_int_equal(r[PC_CT_PIDS_MAX], 0);
	assert_int_equal(perr.count, 3); /* memory.current, io.stat, pids.current */
	if (!strstr(perr.first, "memory.current") || !strstr(perr.first, "out of range"))
		fail_msg("first error: %s", perr.first);

	/*
	 * A container vanishing between scan and read (cgroupfs: ENODEV on its open files,
	 * ENOENT on its names; a fake tree only does the latter): no row, the file named, the
	 * rest read.
	 */
	containers__free(c);
	c = containers__open(&o);
	assert_int_equal(containers__scan(c, &perr), 2);
	snprintf(p, sizeof(p), "rm -rf '%s/sys/fs/cgroup/%s'", root, c2);
	assert_int_equal(system(p), 0);
	pc_sample_reset(&s);
	memset(&perr, 0, sizeof(perr));
	assert_int_equal(containers__read(c, &s, &perr), 0);
	assert_int_equal(s.t[PC_G_CONTAINER].nrows, 1);
	assert_int_equal(containers__count(c), 1);
	assert_int_equal(perr.count, 4);
	/* D1's three complaints and D2's vanishing, the first named by its file. */
	if (!strstr(perr.first, "memory.current: value out of range") &&
	    !strstr(perr.first, ".scope/cpu.stat: container vanished"))
		fail_msg("first error: %s", perr.first);
	pc_sample_free(&s);
	containers__free(c);
	tu_rmtree(root);
	free(root);
}

static void test_stop_and_new(void **state)
{
	char *root = copy_tree("cgroup/v2-docker"), cmd[16384], buf[4][4096];
	struct pc_ct_opts o = opts_at(root, buf);
	struct pc_containers *c = containers__open(&o);
	struct pc_perr perr = {0};
	struct pc_sample s;
	const char *nid = "ffff8a1c9e3d4f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c";

	(void)state;
	pc_sample_init(&s);
	assert_int_equal(containers__scan(c, &perr), 2);
	/* web-frontend stops; a new container of the same name starts: a new id, a new row. */
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && mv sys/fs/cgroup/system.slice/docker-%s.scope "
		 "sys/fs/cgroup/system.slice/docker-%s.scope && mv var/lib/docker/containers/%s "
		 "var/lib/docker/containers/%s",
		 root, D1, nid, D1, nid);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(containers__scan(c, &perr), 2);
	assert_int_equal(containers__read(c, &s, &perr), 0);
	assert_int_equal(pc_table_find(&s.t[PC_G_CONTAINER], "docker/" D1 "/web-frontend"), -1);
	snprintf(cmd, sizeof(cmd), "docker/%s/web-frontend", nid);
	assert_true(pc_table_find(&s.t[PC_G_CONTAINER], cmd) >= 0);
	assert_int_equal(perr.count, 0);
	pc_sample_free(&s);
	containers__free(c);
	tu_rmtree(root);
	free(root);
}

static void test_no_tree(void **state)
{
	struct pc_ct_opts o = {.cgroot = "/nonexistent/cgroup"};
	struct pc_containers *c = containers__open(&o);
	struct pc_perr perr = {0};

	(void)state;
	assert_int_equal(containers__scan(c, &perr), 0);
	assert_int_equal(perr.count, 1);
	assert_non_null(strstr(perr.first, "/nonexistent/cgroup"));
	containers__free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_classify),
	    cmocka_unit_test(test_keys),
	    cmocka_unit_test(test_v2_docker),
	    cmocka_unit_test(test_join_bpf),
	    cmocka_unit_test(test_v2_k8s),
	    cmocka_unit_test(test_v2_podman_nspawn_lxc),
	    cmocka_unit_test(test_v1_hybrid),
	    cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_stop_and_new),
	    cmocka_unit_test(test_no_tree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
