# Build mod_oauth2 with apxs (Debian: apache2-dev).
#   make -f apxs.mk            build mod_oauth2/.libs/mod_oauth2.so
#   make -f apxs.mk install    install module, templates and conf files
#   make -f apxs.mk test       unit tests, then the integration suite
#   make -f apxs.mk unit       unit tests only
#   make -f apxs.mk asan       unit tests under AddressSanitizer + UBSan
#   make -f apxs.mk lint       log id and layout checks
#   make -f apxs.mk deps       install build and test packages (sudo)
#   make -f apxs.mk bench      bearer-check cost vs bare signature (bench/)
#   make -f apxs.mk clean

APXS      ?= apxs
PYTHON    ?= /usr/bin/python3
CC        ?= cc
SRC       := mod_oauth2

CORE_SRC  := $(wildcard $(SRC)/oa2_*.c)
GLUE_SRC  := $(wildcard $(SRC)/mod_oauth2*.c)
HEADERS   := $(wildcard $(SRC)/*.h)

WARN      := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wformat=2
LIBS      := -lssl -lcrypto -ljansson
APR_INC   = $(shell apr-1-config --includes) $(shell apu-1-config --includes)
APR_LIBS  = $(shell apr-1-config --link-ld --libs) $(shell apu-1-config --link-ld --libs)

MODULE    := $(SRC)/.libs/mod_oauth2.so

all: $(MODULE)

$(MODULE): $(CORE_SRC) $(GLUE_SRC) $(HEADERS) apxs.mk
	$(APXS) -c -o $(SRC)/mod_oauth2.la \
	    -Wc,"$(WARN) -Werror -fvisibility=hidden -std=gnu99" \
	    $(CORE_SRC) $(GLUE_SRC) $(LIBS)
	@rm -f $(SRC)/*.o $(SRC)/*.lo $(SRC)/*.slo

# --- unit tests: the core, compiled without any httpd include path ---------
UNIT_SRC  := $(wildcard t/unit/test_*.c)
UNIT_BIN  := t/unit/run_unit

$(UNIT_BIN): $(CORE_SRC) $(HEADERS) $(UNIT_SRC) t/unit/unit.h t/unit/main.c
	$(CC) -std=gnu99 -g -O1 $(WARN) -Werror $(UNIT_CFLAGS) -I$(SRC) $(APR_INC) \
	    -o $@ t/unit/main.c $(UNIT_SRC) $(CORE_SRC) $(APR_LIBS) $(LIBS) \
	    $(UNIT_LDFLAGS)

unit: $(UNIT_BIN)
	cd t/unit && ./run_unit

asan:
	$(MAKE) -f apxs.mk -B $(UNIT_BIN) \
	    UNIT_CFLAGS="-fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    UNIT_LDFLAGS="-fsanitize=address,undefined,float-cast-overflow"
	cd t/unit && ASAN_OPTIONS=detect_leaks=1 ./run_unit
	rm -f $(UNIT_BIN)

integration: $(MODULE)
	$(PYTHON) -m pytest -q t/

test: lint unit integration

lint:
	sh t/lint.sh

deps:
	sh t/install-deps.sh

install: $(MODULE)
	sh conf/install.sh "$(APXS)" "$(MODULE)"

clean:
	rm -rf $(SRC)/.libs $(SRC)/*.la $(SRC)/*.lo $(SRC)/*.slo $(SRC)/*.o \
	    $(UNIT_BIN) t/__pycache__ .pytest_cache

.PHONY: all unit asan integration test lint deps install clean

# --- benchmarks (not part of the test suite) --------------------------------
bench/bearer_cost: bench/bearer_cost.c $(CORE_SRC) $(HEADERS)
	$(CC) -std=gnu99 -O2 -g $(WARN) -I$(SRC) $(APR_INC) -o $@ \
	    bench/bearer_cost.c $(CORE_SRC) $(APR_LIBS) $(LIBS)

bench: bench/bearer_cost $(MODULE)
	sh bench/run.sh

.PHONY: bench
