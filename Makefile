# kmta: build, test and install. GNU make.
#
#   make              build the five programs into $(BUILD)/bin
#   make check        install test dependencies, then run t/ with prove on
#                     the normal build and on an ASan+UBSan build
#   make check-run    only the normal build's tests, no dependency install
#   make check-asan   only the ASan+UBSan build's tests
#   make demo         sign, queue and deliver real messages to a local server
#   make bench        side-by-side benchmarks (bench/README)
#   make install      PREFIX=/usr/local DESTDIR=
#   SIGN_STATIC=0     link kmta-sign with the shared OpenSSL and ldns
#   make install-setuid QUEUE_USER=kmta
#                     also let every local user submit mail (kmta-queue(1))

PROGRAMS = kmta-sign kmta-send kmta-secret kmta-dane-check kmta-queue
BUILD ?= build
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share

CC ?= cc
# Error messages are cut to fixed-size buffers on purpose, so snprintf
# truncation is not a warning here.
WARN = -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wpointer-arith \
	-Wstrict-prototypes -Wmissing-prototypes -Wvla -Wno-format-truncation
CSTD = -std=c11 -D_GNU_SOURCE
HARDEN_CPP = -D_FORTIFY_SOURCE=2
HARDEN_C = -fstack-protector-strong -fstack-clash-protection -fPIE
HARDEN_LD = -pie -Wl,-z,relro -Wl,-z,now -Wl,--as-needed
OPT ?= -O2 -g

ifeq ($(SANITIZE),1)
HARDEN_CPP =
OPT = -O1 -g -fno-omit-frame-pointer
SAN = -fsanitize=address,undefined -fno-sanitize-recover=all
endif

ALL_CPPFLAGS = $(CSTD) $(HARDEN_CPP) -Ilibcommon \
	-DKMTA_SIGN_STATIC=$(SIGN_STATIC) $(CPPFLAGS)
ALL_CFLAGS = $(OPT) $(WARN) $(HARDEN_C) $(SAN) $(CFLAGS)
ALL_LDFLAGS = $(HARDEN_LD) $(SAN) $(LDFLAGS)

# Each program links only the libraries it uses, so that start-up (which
# dominates one-process-per-message signing) loads nothing extra.
#
# kmta-sign carries its own copy of libcrypto, libssl and libldns unless
# SIGN_STATIC=0: resolving libcrypto's symbols at every start costs more
# than the RSA signature itself (bench/RESULTS.md). Such a copy does not
# change when Debian updates OpenSSL or ldns, so run make install again
# after their security updates; kmta-sign --version names the versions.
SIGN_STATIC ?= 1
ifeq ($(SIGN_STATIC),1)
LIBS_kmta-sign = -Wl,-Bstatic -lldns -lssl -lcrypto -Wl,-Bdynamic -linih
# The archives are prerequisites of kmta-sign, so that make install after
# an update of them links it again.
SIGN_STATIC_LIBS := $(realpath $(foreach l,ldns ssl crypto,\
	$(shell $(CC) -print-file-name=lib$(l).a)))
else
LIBS_kmta-sign = -lcrypto -lldns -linih
endif
LIBS_kmta-send = -lssl -lcrypto -lldns -lcurl -ljansson -linih
LIBS_kmta-secret = -lcrypto -lcurl -ljansson -linih
LIBS_kmta-dane-check = -lssl -lcrypto -lcurl -lldns -ljansson -linih
LIBS_kmta-queue = -lcrypto -lcurl -ljansson -linih
LIBS_ALL = -lssl -lcrypto -lcurl -lldns -ljansson -lbsd -linih

LIB_SRC = $(sort $(wildcard libcommon/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB = $(BUILD)/libcommon.a

# cmd/PROG/main.c holds main(); the other files of cmd/PROG form
# $(BUILD)/cmd/PROG.a, which unit tests link against.
prog_src = $(filter-out cmd/$(1)/main.c,$(sort $(wildcard cmd/$(1)/*.c)))
prog_obj = $(patsubst %.c,$(BUILD)/%.o,$(call prog_src,$(1)))
PROG_LIBS = $(PROGRAMS:%=$(BUILD)/cmd/%.a)
BINS = $(PROGRAMS:%=$(BUILD)/bin/%)

UNIT_SRC = $(sort $(wildcard t/unit/*.c))
UNIT_BINS = $(UNIT_SRC:t/unit/%.c=$(BUILD)/t/unit/%.t)

all: $(BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

define prog_rules
$(BUILD)/cmd/$(1).a: $(call prog_obj,$(1))
	@mkdir -p $$(@D)
	@rm -f $$@
	$$(AR) rcs $$@ $$^

$(BUILD)/bin/$(1): $(BUILD)/cmd/$(1)/main.o $(BUILD)/cmd/$(1).a $(LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_CFLAGS) $$(ALL_LDFLAGS) -o $$@ \
		$$(filter-out $$(SIGN_STATIC_LIBS),$$^) $$(LIBS_$(1))
endef
$(foreach p,$(PROGRAMS),$(eval $(call prog_rules,$(p))))
$(BUILD)/bin/kmta-sign: $(SIGN_STATIC_LIBS)

$(BUILD)/t/unit/%.t: t/unit/%.c t/unit/tap.h $(PROG_LIBS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) -It/unit $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< \
		$(PROG_LIBS) $(LIB) $(LIBS_ALL)

deps:
	./scripts/install-deps

# The sanitizer run doubles the time (about 3 of 5 minutes on 2 cores) but
# is the only place memory errors and leaks in the tests' paths show up.
check: deps
	$(MAKE) check-run
	$(MAKE) BUILD=build/asan SANITIZE=1 check-run

check-asan: deps
	$(MAKE) BUILD=build/asan SANITIZE=1 check-run

# Runs t/ against the binaries in $(BUILD)/bin; no dependency install.
check-run: all $(UNIT_BINS)
	KMTA_BIN=$(abspath $(BUILD)/bin) KMTA_TOP=$(CURDIR) \
	KMTA_UNIT=$(abspath $(BUILD)/t/unit) \
	prove -j2 $(UNIT_BINS) $(wildcard t/*.t)

demo: deps
	$(MAKE) all
	KMTA_BIN=$(abspath $(BUILD)/bin) ./scripts/demo

bench: deps
	$(MAKE) all
	KMTA_BIN=$(abspath $(BUILD)/bin) ./bench/run

lint:
	mandoc -T lint -W warning man/*.[15]
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--std=c11 -Ilibcommon --suppress=missingIncludeSystem \
		libcommon cmd

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(DATADIR)/bash-completion/completions \
		$(DESTDIR)$(DATADIR)/zsh/site-functions \
		$(DESTDIR)$(DATADIR)/doc/kmta/examples
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)
	for f in man/*.1 man/*.5; do \
		[ -e "$$f" ] || continue; \
		install -m 0644 "$$f" $(DESTDIR)$(MANDIR)/man$${f##*.}; \
	done
	for f in completions/*.bash; do \
		[ -e "$$f" ] || continue; \
		install -m 0644 "$$f" \
		$(DESTDIR)$(DATADIR)/bash-completion/completions/$$(basename "$$f" .bash); \
	done
	for f in completions/_*; do \
		[ -e "$$f" ] || continue; \
		install -m 0644 "$$f" $(DESTDIR)$(DATADIR)/zsh/site-functions; \
	done
	install -m 0644 conf/kmta.conf $(DESTDIR)$(DATADIR)/doc/kmta/examples

# Let every local user submit mail through kmta-queue add and the sendmail
# link: kmta-queue becomes set-user-ID to QUEUE_USER, the [queue] user
# that owns the queue. Other users get add and sendmail only.
install-setuid: install
	@[ -n "$(QUEUE_USER)" ] || { echo "install-setuid: set QUEUE_USER," \
	    "the [queue] user, for example QUEUE_USER=kmta" >&2; exit 2; }
	@id -u "$(QUEUE_USER)" >/dev/null 2>&1 || { echo "install-setuid:" \
	    "no such user: $(QUEUE_USER)" >&2; exit 2; }
	@[ "$$(id -u "$(QUEUE_USER)")" -ne 0 ] || { echo "install-setuid:" \
	    "QUEUE_USER must not be root" >&2; exit 2; }
	chown "$(QUEUE_USER)" $(DESTDIR)$(BINDIR)/kmta-queue
	chmod 4755 $(DESTDIR)$(BINDIR)/kmta-queue

clean:
	rm -rf build

.PHONY: all deps check check-asan check-run demo bench lint install \
	install-setuid clean

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
