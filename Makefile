# perfcollector: one entry point.
#   make          build everything (release: -O2) into build/
#   make run      install missing packages, then collect this host for a few seconds and summarise
#   make test     install missing packages, build with ASan/UBSan into build/san, run every test
#   make bench    run the benchmarks in bench/ (figures, not pass/fail)
#   make fuzz     build the libFuzzer targets in tests/fuzz (clang)
#   make vmlinux  regenerate vmlinux/<arch>/vmlinux.h from this kernel's BTF
#   make format   clang-format every C file in place
#   make install  programs, alias names, man pages, systemd units and configuration files
#                 under PREFIX (/usr/local) in DESTDIR; make uninstall removes exactly those
#   make deb      the Debian packages perfcollector and perfprocessor (debhelper) in build/deb
#   make deb-test install the packaging tools, build them, lintian, install, remove and purge

SAN ?= 0
ifeq ($(SAN),1)
BUILD ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT := -O1
else
BUILD ?= build
SANFLAGS :=
OPT := -O2
endif

CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
PKGS := libbpf libssh libsodium libpq libseccomp
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS := -std=gnu11 $(OPT) -g -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers \
	-D_GNU_SOURCE -Iinclude -I$(BUILD)/bpf $(PKG_CFLAGS) $(SANFLAGS) $(EXTRA_CFLAGS)
LDFLAGS := $(SANFLAGS)
# snappy (remote-write) ships no pkg-config file
LDLIBS := $(PKG_LIBS) -lsnappy -lelf -lz -lzstd -lm

BPF_SRC := $(wildcard bpf/*.bpf.c)
BPF_OBJ := $(BPF_SRC:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
BPF_SKEL := $(BPF_SRC:bpf/%.bpf.c=$(BUILD)/bpf/%.skel.h)
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Ivmlinux/$(ARCH) -Iinclude -Ibpf

# The library: every .c in userspace/<concern>/ (base, format, collect, transport, journal,
# input, export, replay; see docs/ARCHITECTURE.md). The daemons' folders, userspace/perf*/, are
# programs, not library.
DAEMON_DIRS := $(wildcard userspace/perf*/)
LIB_DIRS := $(filter-out $(DAEMON_DIRS),$(wildcard userspace/*/))
LIB_SRC := $(wildcard $(addsuffix *.c,$(LIB_DIRS)))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/report_assets.o
LIB := $(BUILD)/libpc.a

# Programs: userspace/perf<daemon>/ and tools/<tool>/, one directory each.
PROG_DIRS := $(DAEMON_DIRS) $(wildcard tools/*/)
PROGS := $(foreach d,$(PROG_DIRS),$(BUILD)/bin/$(notdir $(patsubst %/,%,$(d))))
# Compatibility names: pcc and pcc-container are perfcollectord, pcprocess is perfjournal
# (they look at argv[0]).
ALIASES := $(BUILD)/bin/pcc $(BUILD)/bin/pcc-container $(BUILD)/bin/pcprocess

TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/test/%)
TEST_COMMON := $(wildcard tests/common/*.c)

.PHONY: all run test bench fuzz vmlinux format deps clean install uninstall FORCE
all: $(PROGS) $(ALIASES) $(TEST_BIN)

deps:
	@scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run.sh $(BUILD)/bin

test: deps
	@$(MAKE) --no-print-directory SAN=1 all
	@tests/run.sh build/san

bench: deps
	@$(MAKE) --no-print-directory all
	@bench/run.sh $(BUILD)/bin

# --- BPF: object, then skeleton header included by userspace/collect/bpf_load.c
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(wildcard include/pc/*.h) | $(BUILD)/bpf
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

# --- the HTML report's assets: uPlot from npm (package.json, package-lock.json) and the
# report's own script and style, embedded into the library as C arrays
UPLOT := node_modules/uplot/dist
REPORT_ASSETS := $(UPLOT)/uPlot.iife.min.js $(UPLOT)/uPlot.min.css \
	userspace/export/report.js userspace/export/report.css
$(UPLOT)/uPlot.iife.min.js $(UPLOT)/uPlot.min.css &: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(UPLOT)/uPlot.iife.min.js $(UPLOT)/uPlot.min.css

$(BUILD)/gen/report_assets.c: $(REPORT_ASSETS) scripts/embed.sh
	@mkdir -p $(dir $@)
	scripts/embed.sh $@ pc_asset_uplot_js=$(UPLOT)/uPlot.iife.min.js \
		pc_asset_uplot_css=$(UPLOT)/uPlot.min.css \
		pc_asset_report_js=userspace/export/report.js \
		pc_asset_report_css=userspace/export/report.css

$(BUILD)/obj/gen/report_assets.o: $(BUILD)/gen/report_assets.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# --- the license secret (docs/JOURNAL.md): a release build takes it from the builder,
#   make LICENSE_SECRET_FILE=/path/to/secret     (or LICENSE_SECRET=..., kept out of the
# command lines make prints); without either it is a development build and says so.
export LICENSE_SECRET_FILE LICENSE_SECRET
LICENSE_HDR := $(BUILD)/license_secret.h
$(LICENSE_HDR): FORCE | $(BUILD)/obj
	@scripts/license_secret.sh $@
$(BUILD)/obj/userspace/journal/license.o: $(LICENSE_HDR)
$(BUILD)/obj/userspace/journal/license.o: CFLAGS += -DPC_LICENSE_SECRET_HEADER='"$(abspath $(LICENSE_HDR))"'
FORCE:

# --- the version --version prints: scripts/version.sh (PC_VERSION from the builder, else git
# describe, else VERSION)
export PC_VERSION
VERSION_HDR := $(BUILD)/version.h
$(VERSION_HDR): FORCE | $(BUILD)/obj
	@scripts/version.sh $@
$(BUILD)/obj/userspace/base/version.o: $(VERSION_HDR)
$(BUILD)/obj/userspace/base/version.o: CFLAGS += -DPC_VERSION_HEADER='"$(abspath $(VERSION_HDR))"'

# --- library
$(BUILD)/obj/%.o: %.c $(wildcard include/pc/*.h) $(wildcard userspace/*.h userspace/*/*.h tools/*/*.h) $(BPF_SKEL) | $(BUILD)/obj
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# --- programs: every .c in the program's directory, linked with the library
define prog_rule
$(BUILD)/bin/$(notdir $(patsubst %/,%,$(1))): $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard $(1)*.c)) $(LIB) | $(BUILD)/bin
	$(CC) $(LDFLAGS) -o $$@ $$^ $(LDLIBS)
endef
$(foreach d,$(PROG_DIRS),$(eval $(call prog_rule,$(d))))

$(BUILD)/bin/pcc $(BUILD)/bin/pcc-container: $(BUILD)/bin/perfcollectord
	ln -sf perfcollectord $@
$(BUILD)/bin/pcprocess: $(BUILD)/bin/perfjournal
	ln -sf perfjournal $@

# --- tests: one cmocka binary per tests/test_*.c
$(BUILD)/test/%: tests/%.c $(TEST_COMMON) $(LIB) | $(BUILD)/test
	$(CC) $(CFLAGS) -Itests $(LDFLAGS) -o $@ $< $(TEST_COMMON) $(LIB) $(LDLIBS) -lcmocka

# --- install: the programs already built in $(BUILD)/bin (make first; SAN=1 or BUILD=DIR
# installs another build: install builds nothing, so it also works as root) by
# dist/install.sh, which writes what it installed, and the directories it created, to
# $(DATADIR)/install-manifest; uninstall removes exactly those (a configuration file only
# while it is unchanged). MANGZIP=1 gzips the man pages.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/perfcollector
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
MANGZIP ?= 0
INSTALL_VARS = DESTDIR='$(DESTDIR)' BINDIR='$(BINDIR)' SBINDIR='$(SBINDIR)' \
	MANDIR='$(MANDIR)' DATADIR='$(DATADIR)' UNITDIR='$(UNITDIR)' SYSCONFDIR='$(SYSCONFDIR)' \
	MANGZIP='$(MANGZIP)'
DAEMONS := $(notdir $(patsubst %/,%,$(DAEMON_DIRS)))
TOOLS := $(notdir $(patsubst %/,%,$(wildcard tools/*/)))

install:
	@$(INSTALL_VARS) dist/install.sh install $(BUILD)/bin '$(DAEMONS)' '$(TOOLS)'

uninstall:
	@$(INSTALL_VARS) dist/install.sh uninstall

# --- Debian packages (docs/INSTALL.md, "Debian package"): scripts/deb.sh builds them from a
# copy of the tree with dist/debian as debian/; scripts/deb_test.sh checks them (exit 77: a
# part it cannot run here, said why, is not a failure of make deb-test).
.PHONY: deb deb-test
deb: $(UPLOT)/uPlot.iife.min.js $(UPLOT)/uPlot.min.css
	@scripts/deb.sh build/deb >/dev/null

deb-test:
	@scripts/deps.sh deb
	@$(MAKE) --no-print-directory $(UPLOT)/uPlot.iife.min.js $(UPLOT)/uPlot.min.css
	@scripts/deb_test.sh build/deb; rc=$$?; [ $$rc -eq 77 ] || exit $$rc

fuzz:
	@$(MAKE) --no-print-directory -C tests/fuzz

vmlinux:
	@mkdir -p vmlinux/$(ARCH)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/$(ARCH)/vmlinux.h

format:
	clang-format -i $$(git ls-files '*.c' '*.h' | grep -v '^vmlinux/')

$(BUILD)/bpf $(BUILD)/obj $(BUILD)/bin $(BUILD)/test:
	@mkdir -p $@

clean:
	rm -rf build
