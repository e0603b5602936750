/* liba: data that points at data and a constructor, so the start-up link
 * has relocations to apply and an initializer to run. */
static int ready;
static const char name[] = "alpha";
const char *const a_name = name;

__attribute__((constructor)) static void a_init(void) { ready = 1; }

int a_ready(void) { return ready; }
