# krj: ngx_http_krj_module and krj-batch.
#
#   make          build/ngx_http_krj_module.so and build/krj-batch
#   make deps     install the Debian packages building and running need
#   make test-deps  install the Debian packages the tests need (idempotent)
#   make test     deps, test-deps, build, unit tests, 20 s of each fuzz
#                 target, integration tests (plain and ASan), the packages
#                 on a fresh Debian 12 root
#   make deb      build/deb/: libnginx-mod-http-krj and krj-batch packages
#   make install  DESTDIR=... PREFIX=/usr/local: without the packages
#   make uninstall  what make install installed
#   make demo     deps, build, ingest the sample data, nginx on :8443
#                 (PORT=9443 another port; KRJ_DEMO_DATA=DIR other CSVs)
#   make bench    wrk: module against static nginx serving the same bytes
#   make fuzz     the libFuzzer targets, FUZZ_TIME seconds each (300)
#   make fuzz-coverage  the lines their corpora reach (llvm-cov)

NGINX_SRC    ?= /usr/share/nginx/src
PYTHON       ?= /usr/bin/python3
BUILD        := build
FUZZ_TIME    ?= 300

# make install: the programs under PREFIX, the configuration under
# SYSCONFDIR, all of it below DESTDIR (a staging root) when given
DESTDIR      ?=
PREFIX       ?= /usr/local
SYSCONFDIR   ?= /etc
BINDIR       := $(PREFIX)/bin
MODDIR       := $(PREFIX)/lib/nginx/modules
LIBDIR       := $(PREFIX)/lib/krj
UNITDIR      := $(PREFIX)/lib/systemd/system
MANDIR       := $(PREFIX)/share/man
NGINXDIR     := $(SYSCONFDIR)/nginx
SNIPPETS     := krj.conf krj-http.conf krj-server.conf krj-tls.conf \
                krj-locations.conf krj-ffdhe2048.pem
UNITS        := $(notdir $(wildcard conf/systemd/*.service \
                                   conf/systemd/*.timer))
CERTBOT      := bootstrap-selfsigned.sh deploy-hook.sh expiry-metric.sh issue.sh

export NGINX_SRC

MODULE_SRCS  := config VERSION $(wildcard ngx_krj_module/*.[ch])
BATCH_SRCS   := VERSION $(wildcard batch-plugin/*.[ch]) \
                $(wildcard batch-plugin/sql/*.sql) \
                $(wildcard ngx_krj_module/krj_*.[ch]) \
                $(wildcard dashboard/krj.*) scripts/embed-assets.sh

ASAN_FLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer \
                -fno-sanitize-recover=undefined

.PHONY: all deps test-deps module batch asan test unit integration \
        integration-asan fuzz fuzz-build fuzz-coverage demo bench deb \
        install uninstall clean

all: module batch

deps:
	@scripts/deps.sh

test-deps:
	@scripts/deps.sh test

module: $(BUILD)/ngx_http_krj_module.so
batch: $(BUILD)/krj-batch

$(BUILD)/ngx_http_krj_module.so: $(MODULE_SRCS) scripts/build-module.sh
	scripts/build-module.sh $(BUILD)

$(BUILD)/asan/ngx_http_krj_module.so: $(MODULE_SRCS) scripts/build-module.sh
	scripts/build-module.sh $(BUILD)/asan "$(ASAN_FLAGS)" "$(ASAN_FLAGS)"

$(BUILD)/krj-batch: $(BATCH_SRCS) batch-plugin/Makefile
	$(MAKE) -C batch-plugin BUILD=$(CURDIR)/$(BUILD)

asan: $(BUILD)/asan/ngx_http_krj_module.so

deb:
	@scripts/build-deb.sh $(BUILD)/deb

test: deps test-deps
	@$(MAKE) --no-print-directory all asan fuzz-build
	@scripts/run-tests.sh

unit: all
	$(MAKE) -C tests/unit BUILD=$(CURDIR)/$(BUILD) run

integration: all
	$(PYTHON) -m pytest -q tests/integration

integration-asan: all asan
	KRJ_ASAN=1 $(PYTHON) -m pytest -q tests/integration

fuzz-build:
	$(MAKE) -C tests/fuzz BUILD=$(CURDIR)/$(BUILD)

fuzz: deps test-deps
	@$(MAKE) --no-print-directory fuzz-build
	@scripts/fuzz.sh --time $(FUZZ_TIME)

fuzz-coverage: deps test-deps
	@$(MAKE) --no-print-directory -C tests/fuzz BUILD=$(CURDIR)/$(BUILD) \
	    COVERAGE=1
	@scripts/fuzz-coverage.sh

demo: deps test-deps
	@$(MAKE) --no-print-directory all
	@$(if $(PORT),KRJ_DEMO_PORT=$(PORT) )scripts/demo.sh

bench: deps test-deps
	@$(MAKE) --no-print-directory all
	@$(PYTHON) scripts/bench.py

$(BUILD)/man/krj-batch.1: README.md VERSION debian/changelog scripts/mkman.py
	$(PYTHON) scripts/mkman.py README.md $(BUILD)/man

# What the packages install, for a system without them: the module under
# PREFIX, loaded by a modules-enabled file naming it (not into the
# directories dpkg manages), the nginx snippets and site, the units with
# ExecStart made to name PREFIX's krj-batch, logrotate, the certbot
# scripts and the man pages.  A krj-batch.conf already there is kept.
# The krj user and the directories are the README's steps ("From
# source").
install: all $(BUILD)/man/krj-batch.1
	install -D -m 755 $(BUILD)/krj-batch $(DESTDIR)$(BINDIR)/krj-batch
	install -D -m 644 $(BUILD)/ngx_http_krj_module.so \
	    $(DESTDIR)$(MODDIR)/ngx_http_krj_module.so
	install -d $(DESTDIR)$(NGINXDIR)/modules-enabled \
	    $(DESTDIR)$(NGINXDIR)/conf.d $(DESTDIR)$(NGINXDIR)/snippets \
	    $(DESTDIR)$(NGINXDIR)/sites-available
	echo "load_module $(MODDIR)/ngx_http_krj_module.so;" \
	    > $(DESTDIR)$(NGINXDIR)/modules-enabled/50-mod-http-krj.conf
	for f in $(SNIPPETS); do \
	    install -m 644 conf/snippets/$$f $(DESTDIR)$(NGINXDIR)/snippets/; \
	done
	ln -sfn ../snippets/krj.conf $(DESTDIR)$(NGINXDIR)/conf.d/krj.conf
	install -m 644 conf/sites-available/krj \
	    $(DESTDIR)$(NGINXDIR)/sites-available/krj
	install -d -m 750 $(DESTDIR)$(SYSCONFDIR)/krj
	[ -e $(DESTDIR)$(SYSCONFDIR)/krj/krj-batch.conf ] \
	    || install -m 640 conf/krj-batch.conf $(DESTDIR)$(SYSCONFDIR)/krj/
	install -d $(DESTDIR)$(UNITDIR)
	for u in $(UNITS); do \
	    sed 's|/usr/bin/krj-batch|$(BINDIR)/krj-batch|' conf/systemd/$$u \
	        > $(DESTDIR)$(UNITDIR)/$$u && chmod 644 $(DESTDIR)$(UNITDIR)/$$u; \
	done
	install -D -m 644 conf/logrotate-krj $(DESTDIR)$(SYSCONFDIR)/logrotate.d/krj
	install -d $(DESTDIR)$(LIBDIR)/certbot
	for f in $(CERTBOT); do \
	    install -m 755 certbot/$$f $(DESTDIR)$(LIBDIR)/certbot/; \
	done
	install -D -m 644 $(BUILD)/man/krj-batch.1 \
	    $(DESTDIR)$(MANDIR)/man1/krj-batch.1
	install -D -m 644 $(BUILD)/man/ngx_http_krj_module.8 \
	    $(DESTDIR)$(MANDIR)/man8/ngx_http_krj_module.8

# Everything install put there but krj-batch.conf, the data and the keys;
# also the link that enabled the site, which would dangle.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/krj-batch \
	    $(DESTDIR)$(MODDIR)/ngx_http_krj_module.so \
	    $(DESTDIR)$(NGINXDIR)/modules-enabled/50-mod-http-krj.conf \
	    $(DESTDIR)$(NGINXDIR)/conf.d/krj.conf \
	    $(DESTDIR)$(NGINXDIR)/sites-available/krj \
	    $(DESTDIR)$(SYSCONFDIR)/logrotate.d/krj \
	    $(DESTDIR)$(MANDIR)/man1/krj-batch.1 \
	    $(DESTDIR)$(MANDIR)/man8/ngx_http_krj_module.8
	[ ! -L $(DESTDIR)$(NGINXDIR)/sites-enabled/krj ] \
	    || rm -f $(DESTDIR)$(NGINXDIR)/sites-enabled/krj
	for f in $(SNIPPETS); do rm -f $(DESTDIR)$(NGINXDIR)/snippets/$$f; done
	for u in $(UNITS); do rm -f $(DESTDIR)$(UNITDIR)/$$u; done
	for f in $(CERTBOT); do rm -f $(DESTDIR)$(LIBDIR)/certbot/$$f; done
	-rmdir $(DESTDIR)$(LIBDIR)/certbot $(DESTDIR)$(LIBDIR) \
	    $(DESTDIR)$(MODDIR) $(DESTDIR)$(PREFIX)/lib/nginx 2>/dev/null

clean:
	rm -rf $(BUILD)
	$(MAKE) -C tests/unit clean BUILD=$(CURDIR)/$(BUILD)
	$(MAKE) -C tests/fuzz clean BUILD=$(CURDIR)/$(BUILD)
	$(MAKE) -C tests/fuzz clean BUILD=$(CURDIR)/$(BUILD) COVERAGE=1
