// EM_JS code runs sandboxed: none of node's or a browser's host objects
// exist, so code probing for node takes its other branch, and nothing
// reaches files or the network. A view of memory kept past a growth of the
// memory is emptied, never left pointing at memory that moved.
#include <emscripten.h>
#include <stdio.h>
#include <stdlib.h>

EM_JS(void, probe, (void), {
  var names = ['process', 'require', 'module', 'navigator', 'window', 'document',
               'importScripts', 'fetch', 'XMLHttpRequest', 'WebAssembly', 'setTimeout',
               'Deno', 'Bun', 'std', 'os'];
  for (var i = 0; i < names.length; i++) out(names[i] + ': ' + typeof globalThis[names[i]]);
  var isNode = typeof process == 'object' && typeof process.versions == 'object' &&
               typeof process.versions.node == 'string';
  out(isNode ? 'node branch' : 'non-node branch');
  try { require('fs'); out('require worked'); } catch (e) { out('require: ' + e.name); }
  out('transfer: ' + typeof ArrayBuffer.prototype.transfer);
});
EM_JS(void, keep_view, (void), { globalThis.kept = HEAPU8; out('kept ' + (kept.length > 0)); });
EM_JS(void, check_view, (void), {
  out('kept view after growth: length ' + kept.length + ', current view: ' + (HEAPU8.length > 16777216 ? 'larger' : 'not larger'));
});

int main(void) {
  probe();
  keep_view();
  char *volatile p = malloc(64 << 20);
  p[0] = 1;
  check_view();
  free(p);
  return 0;
}
