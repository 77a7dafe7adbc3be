# Build settings; override on the command line, e.g.
#   make QMAILHOME=/var/qmail PREFIX=/usr/local
#   make SANITIZE=1 check      (ASan+UBSan build in build-san/)
.DEFAULT_GOAL := all
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
SHAREDIR ?= $(PREFIX)/share/fixsmtpio
QMAILHOME ?= /var/qmail
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config

ifeq ($(FUZZ),1)
B ?= build-fuzz
CC := clang
SAN_FLAGS := -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
HARDEN := -fstack-protector-strong
else ifeq ($(SANITIZE),1)
B ?= build-san
CC := clang
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
HARDEN := -fstack-protector-strong
else
B ?= build
SAN_FLAGS :=
HARDEN := -fstack-protector-strong -D_FORTIFY_SOURCE=2
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes \
	-Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral
GNUTLS_CFLAGS := $(shell $(PKG_CONFIG) --cflags gnutls)
GNUTLS_LIBS := $(shell $(PKG_CONFIG) --libs gnutls)
CDB_LIBS := $(shell $(PKG_CONFIG) --libs libcdb)
NETTLE_LIBS := $(shell $(PKG_CONFIG) --libs nettle)
CRYPT_LIBS := -lcrypt

ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -Ilib -Irules $(WARN) $(HARDEN) \
	-fPIE -DQMAILHOME='"$(QMAILHOME)"' $(GNUTLS_CFLAGS) $(SAN_FLAGS) \
	-MMD -MP $(CFLAGS)
ALL_LDFLAGS = -pie -Wl,-z,relro,-z,now $(SAN_FLAGS) $(LDFLAGS)

# Program folders. In each, <program>.c holds a program's main(); every
# other .c file goes into the folder's core.a, which the folder's programs,
# unit tests and fuzz targets link. A folder's module.mk names its programs
# (<folder>_PROGRAMS) and the libraries they need (<folder>_LDLIBS), but
# for those it names in <folder>_PLAIN, which link none.
FOLDERS := fixsmtpio authup checkpassword-cdb tls addtlsheader proxyup
include $(wildcard $(addsuffix /module.mk,$(FOLDERS)))

obj = $(patsubst %.c,$(B)/%.o,$(1))

LIB_OBJS := $(call obj,$(wildcard lib/*.c))
RULES_OBJS := $(call obj,$(wildcard rules/*.c))
SUITE_LIBS := $(B)/librules.a $(B)/libsuite.a

PROGRAMS :=
CORES :=
ALL_LDLIBS := $(GNUTLS_LIBS) $(NETTLE_LIBS) $(CDB_LIBS) $(CRYPT_LIBS)

define folder_rules
$(1)_MAINS := $$(addprefix $(1)/,$$(addsuffix .c,$$($(1)_PROGRAMS)))
$(1)_CORE := $$(call obj,$$(filter-out $$($(1)_MAINS),$$(wildcard $(1)/*.c)))
$(B)/$(1)/core.a: $$($(1)_CORE)
	@rm -f $$@
	$$(AR) rcs $$@ $$^
CORES += $(B)/$(1)/core.a
PROGRAMS += $$($(1)_PROGRAMS)
$$(foreach p,$$($(1)_PROGRAMS),$$(eval $$(call program_rule,$(1),$$(p))))
endef

define program_rule
$(B)/bin/$(2): $(B)/$(1)/$(2).o $(B)/$(1)/core.a $(SUITE_LIBS)
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ \
		$$(if $$(filter $(2),$$($(1)_PLAIN)),,$$($(1)_LDLIBS))
endef

$(foreach f,$(FOLDERS),$(if $($(f)_PROGRAMS),$(eval $(call folder_rules,$(f)))))

BINS := $(addprefix $(B)/bin/,$(PROGRAMS))

# Unit tests (t/unit/*.c, printing TAP) and the programs integration tests
# use as peers (t/helpers/*.c).
UNITS := $(patsubst t/unit/%.c,$(B)/t/unit-%,$(wildcard t/unit/*.c))
HELPERS := $(patsubst t/helpers/%.c,$(B)/t/bin/%,$(wildcard t/helpers/*.c))

# Benchmark peers (bench/*.c): a fast stand-in server and a plain relay.
BENCH := $(patsubst bench/%.c,$(B)/bench/%,$(wildcard bench/*.c))

all: $(BINS) $(UNITS) $(HELPERS) $(BENCH)

# The objects pattern rules make on the way to a unit test, a helper, a
# benchmark peer or a fuzz target would be deleted as intermediates and
# made again by the next make: they are kept, so that a second make does
# nothing.
.SECONDARY: $(patsubst %.c,$(B)/%.o,$(wildcard t/unit/*.c t/helpers/*.c \
	bench/*.c fuzz/*.c))

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libsuite.a: $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/librules.a: $(RULES_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# Unit tests see every program folder's headers.
$(B)/t/unit/%.o: ALL_CFLAGS += $(addprefix -I,$(FOLDERS))

$(B)/t/unit-%: $(B)/t/unit/%.o $(CORES) $(SUITE_LIBS)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

$(B)/t/bin/%: $(B)/t/helpers/%.o $(SUITE_LIBS)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

$(B)/bench/%: $(B)/bench/%.o $(SUITE_LIBS)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(ALL_LDLIBS)

# prove runs every test the same way, unit or integration: the unit tests
# (built in the build folder) through two-line wrappers in t/, which take
# their place in the order of t/ and run the build that BUILD names.
check: all
	SANITIZE=$(SANITIZE) BUILD=$(abspath $(B)) prove -r $(PROVE_FLAGS) t/

# The whole generated SMTP smuggling corpus (t/smuggling.py), some 33,000
# sessions; make check runs a sample of it.
check-corpus: all
	SMUGGLING_CORPUS=all BUILD=$(abspath $(B)) prove $(PROVE_FLAGS) \
		t/0805-smuggling-corpus.t

# The integration tests again, with the suite's programs under valgrind
# memcheck (t/taplib.py wraps them and checks the logs).
check-valgrind: all
	VALGRIND=1 BUILD=$(abspath $(B)) prove -r $(PROVE_FLAGS) t/

# The example rules and the run scripts and units of contrib/ go to
# SHAREDIR as they are, for the administrator to copy into place.
CONTRIB := $(shell find contrib -type f)

install: $(BINS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(wildcard man/*.8) $(DESTDIR)$(MANDIR)/man8/
	install -d $(DESTDIR)$(SHAREDIR)/examples
	install -m 0644 examples/fixsmtpio $(DESTDIR)$(SHAREDIR)/examples/
	for f in $(CONTRIB); do \
		install -d $(DESTDIR)$(SHAREDIR)/$$(dirname $$f) && \
		if [ -x $$f ]; then m=0755; else m=0644; fi && \
		install -m $$m $$f $(DESTDIR)$(SHAREDIR)/$$f || exit 1; \
	done

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(PROGRAMS))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(wildcard man/*.8)))
	rm -rf $(DESTDIR)$(SHAREDIR)

clean:
	rm -rf build build-san build-fuzz $(B)

# Fuzz targets (fuzz/*.c): clang's libFuzzer with ASan+UBSan, built in
# build-fuzz/. `make fuzz` runs each for FUZZ_SECONDS from its seed corpus
# (fuzz/corpus/NAME/) with its dictionary (fuzz/NAME.dict) when there is
# one, and prints the executions of each.
FUZZ_SECONDS ?= 60
FUZZERS := $(patsubst fuzz/%.c,$(B)/fuzz/%,$(wildcard fuzz/*.c))

$(B)/fuzz/%: $(B)/fuzz/%.o $(CORES) $(SUITE_LIBS)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(ALL_LDLIBS)

$(B)/fuzz/%.o: ALL_CFLAGS += $(addprefix -I,$(FOLDERS))

fuzzers: $(FUZZERS)

fuzz:
	$(MAKE) FUZZ=1 fuzzers
	FUZZ_SECONDS=$(FUZZ_SECONDS) tools/fuzz build-fuzz

.PHONY: all check check-corpus check-valgrind install uninstall clean fuzz \
	fuzzers
.DELETE_ON_ERROR:

-include $(shell find $(B) -name '*.d' 2>/dev/null)
