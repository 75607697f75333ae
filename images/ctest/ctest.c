/* ctest: a freestanding C program against the generated zircon/syscalls.h,
 * linked to the vDSO's symbols. It reports each case to `zxvm test` through
 * zxvm_test_result and honours test.list=1, test.filter= and test.only=. */
#include <zircon/syscalls.h>

void* memset(void* d, int c, size_t n) {
  unsigned char* p = d;
  while (n--) *p++ = (unsigned char)c;
  return d;
}

void* memcpy(void* d, const void* s, size_t n) {
  unsigned char* p = d;
  const unsigned char* q = s;
  while (n--) *p++ = *q++;
  return d;
}

static size_t str_len(const char* s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

static int starts_with(const char* s, size_t n, const char* prefix) {
  size_t k = str_len(prefix);
  if (n < k) return 0;
  for (size_t i = 0; i < k; i++)
    if (s[i] != prefix[i]) return 0;
  return 1;
}

static int contains(const char* hay, const char* needle, size_t n) {
  size_t h = str_len(hay);
  for (size_t i = 0; i + n <= h; i++) {
    size_t j = 0;
    while (j < n && hay[i + j] == needle[j]) j++;
    if (j == n) return 1;
  }
  return 0;
}

/* A failed check: the message and the line. */
static const char* failure;
#define CHECK(cond)                                                     \
  do {                                                                  \
    if (!(cond)) {                                                      \
      failure = "ctest.c:" LINE_STR(__LINE__) ": check failed: " #cond; \
      return;                                                           \
    }                                                                   \
  } while (0)
#define LINE_STR(x) LINE_STR2(x)
#define LINE_STR2(x) #x

static void handle_close_invalid_is_ok(void) { CHECK(zx_handle_close(ZX_HANDLE_INVALID) == ZX_OK); }

static void handle_close_bad_handle(void) { CHECK(zx_handle_close(0x12345u) == ZX_ERR_BAD_HANDLE); }

static void underscore_alias_is_the_same_call(void) {
  CHECK(_zx_handle_close(ZX_HANDLE_INVALID) == ZX_OK);
  CHECK(_zx_handle_close(0x12345u) == ZX_ERR_BAD_HANDLE);
}

static void event_signal_and_wait(void) {
  zx_handle_t ev = ZX_HANDLE_INVALID;
  CHECK(zx_event_create(0, &ev) == ZX_OK);
  CHECK(ev != ZX_HANDLE_INVALID);
  zx_signals_t seen = 0;
  CHECK(zx_object_wait_one(ev, ZX_USER_SIGNAL_0, 0, &seen) == ZX_ERR_TIMED_OUT);
  CHECK(zx_object_signal(ev, 0, ZX_USER_SIGNAL_0) == ZX_OK);
  CHECK(zx_object_wait_one(ev, ZX_USER_SIGNAL_0, ZX_TIME_INFINITE, &seen) == ZX_OK);
  CHECK(seen & ZX_USER_SIGNAL_0);
  CHECK(zx_handle_close(ev) == ZX_OK);
}

static void channel_write_then_read(void) {
  zx_handle_t a, b;
  CHECK(zx_channel_create(0, &a, &b) == ZX_OK);
  static const char msg[] = "hello from C";
  CHECK(zx_channel_write(a, 0, msg, sizeof msg, NULL, 0) == ZX_OK);
  char buf[64];
  uint32_t nbytes = 0, nhandles = 0;
  CHECK(zx_channel_read(b, 0, buf, NULL, sizeof buf, 0, &nbytes, &nhandles) == ZX_OK);
  CHECK(nbytes == sizeof msg && nhandles == 0);
  for (size_t i = 0; i < sizeof msg; i++) CHECK(buf[i] == msg[i]);
  CHECK(zx_handle_close(a) == ZX_OK);
  zx_signals_t seen = 0;
  CHECK(zx_object_wait_one(b, ZX_CHANNEL_PEER_CLOSED, 0, &seen) == ZX_OK);
  CHECK(zx_handle_close(b) == ZX_OK);
}

static void clock_and_ticks_from_the_vdso(void) {
  CHECK(zx_ticks_per_second() > 0);
  zx_time_t a = zx_clock_get_monotonic();
  zx_time_t k = zx_deadline_after(0);
  zx_time_t b = zx_clock_get_monotonic();
  CHECK(a <= k && k <= b);
  zx_ticks_t t0 = zx_ticks_get(), t1 = zx_ticks_get();
  CHECK(t1 >= t0);
}

static void system_queries(void) {
  CHECK(zx_system_get_num_cpus() >= 1);
  CHECK(zx_system_get_page_size() == 4096);
  CHECK(zx_system_get_physmem() > 0);
  zx_string_view_t v = zx_system_get_version_string();
  CHECK(v.length > 0 && starts_with(v.c_str, v.length, "zxvm-kernel"));
}

static const struct {
  const char* name;
  void (*run)(void);
} cases[] = {
    {"handle_close_invalid_is_ok", handle_close_invalid_is_ok},
    {"handle_close_bad_handle", handle_close_bad_handle},
    {"underscore_alias_is_the_same_call", underscore_alias_is_the_same_call},
    {"event_signal_and_wait", event_signal_and_wait},
    {"channel_write_then_read", channel_write_then_read},
    {"clock_and_ticks_from_the_vdso", clock_and_ticks_from_the_vdso},
    {"system_queries", system_queries},
};

/* The value of the last `key=value` word on the command line, or NULL. */
static const char* arg(const zxvm_startup_info_t* s, const char* key, size_t* len) {
  const char* found = NULL;
  size_t n = s ? s->cmdline_len : 0, k = str_len(key);
  if (n > sizeof s->cmdline) n = sizeof s->cmdline;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && s->cmdline[j] != ' ') j++;
    if (j - i > k && starts_with(s->cmdline + i, j - i, key) && s->cmdline[i + k] == '=') {
      found = s->cmdline + i + k + 1;
      *len = j - i - k - 1;
    }
    i = j + 1;
  }
  return found;
}

static int selected(const char* name, const zxvm_startup_info_t* s) {
  size_t n = 0;
  const char* only = arg(s, "test.only", &n);
  if (only && !(n == str_len(name) && contains(name, only, n))) return 0;
  const char* filter = arg(s, "test.filter", &n);
  return !filter || contains(name, filter, n);
}

static void report(const char* name, uint32_t outcome, const char* message) {
  zxvm_test_result(name, str_len(name), outcome, message, message ? str_len(message) : 0, 0);
}

__attribute__((force_align_arg_pointer)) __attribute__((noreturn)) void _start(zx_handle_t bootstrap, const zxvm_startup_info_t* s) {
  (void)bootstrap;
  if (s && s->magic != ZXVM_STARTUP_MAGIC) s = NULL;
  size_t n = 0;
  const char* list = arg(s, "test.list", &n);
  int listing = list && n == 1 && list[0] == '1';
  int failed = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (!selected(cases[i].name, s)) continue;
    if (listing) {
      report(cases[i].name, ZXVM_TEST_LISTED, NULL);
      continue;
    }
    failure = NULL;
    zx_time_t start = zx_clock_get_monotonic();
    cases[i].run();
    zx_time_t took = zx_clock_get_monotonic() - start;
    zxvm_test_result(cases[i].name, str_len(cases[i].name), failure ? ZXVM_TEST_FAIL : ZXVM_TEST_PASS, failure,
                     failure ? str_len(failure) : 0, (uint64_t)took);
    failed |= failure != NULL;
  }
  zx_process_exit(failed);
}
