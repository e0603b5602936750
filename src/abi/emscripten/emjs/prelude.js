// The parts of Emscripten 3.1.6's JavaScript runtime (src/runtime_strings.js,
// src/preamble.js, src/shell.js) that EM_JS and EM_ASM code uses, for
// dlrun's embedded engine. Run once, before any of the program's code, with
// `native` holding dlrun's own functions: write(fd, text) to the program's
// stdout or stderr, and exportFn(name), the program's exported function
// `name` as a JavaScript function (or undefined). Returns what dlrun calls
// later: setViews(buffer) after the memory moved or grew, and
// defineExports(names) for the `_name` globals the code it is about to run
// reads.
(function (native) {
  'use strict';
  var g = globalThis;

  function join(args) {
    return Array.prototype.map.call(args, String).join(' ') + '\n';
  }
  function out() { native.write(1, join(arguments)); }
  function err() { native.write(2, join(arguments)); }

  function abort(what) {
    throw new Error('Aborted(' + (what === undefined ? '' : what) + ')');
  }

  function UTF8ArrayToString(heap, idx, maxBytesToRead) {
    var endIdx = idx + maxBytesToRead;
    var endPtr = idx;
    while (heap[endPtr] && !(endPtr >= endIdx)) ++endPtr;
    var str = '';
    while (idx < endPtr) {
      var u0 = heap[idx++];
      if (!(u0 & 0x80)) { str += String.fromCharCode(u0); continue; }
      var u1 = heap[idx++] & 63;
      if ((u0 & 0xE0) == 0xC0) { str += String.fromCharCode(((u0 & 31) << 6) | u1); continue; }
      var u2 = heap[idx++] & 63;
      if ((u0 & 0xF0) == 0xE0) {
        u0 = ((u0 & 15) << 12) | (u1 << 6) | u2;
      } else {
        u0 = ((u0 & 7) << 18) | (u1 << 12) | (u2 << 6) | (heap[idx++] & 63);
      }
      if (u0 < 0x10000) {
        str += String.fromCharCode(u0);
      } else {
        var ch = u0 - 0x10000;
        str += String.fromCharCode(0xD800 | (ch >> 10), 0xDC00 | (ch & 0x3FF));
      }
    }
    return str;
  }

  function UTF8ToString(ptr, maxBytesToRead) {
    return ptr ? UTF8ArrayToString(g.HEAPU8, ptr, maxBytesToRead) : '';
  }

  function stringToUTF8Array(str, heap, outIdx, maxBytesToWrite) {
    if (!(maxBytesToWrite > 0)) return 0;
    var startIdx = outIdx;
    var endIdx = outIdx + maxBytesToWrite - 1;
    for (var i = 0; i < str.length; ++i) {
      var u = str.charCodeAt(i);
      if (u >= 0xD800 && u <= 0xDFFF) {
        var u1 = str.charCodeAt(++i);
        u = 0x10000 + ((u & 0x3FF) << 10) | (u1 & 0x3FF);
      }
      if (u <= 0x7F) {
        if (outIdx >= endIdx) break;
        heap[outIdx++] = u;
      } else if (u <= 0x7FF) {
        if (outIdx + 1 >= endIdx) break;
        heap[outIdx++] = 0xC0 | (u >> 6);
        heap[outIdx++] = 0x80 | (u & 63);
      } else if (u <= 0xFFFF) {
        if (outIdx + 2 >= endIdx) break;
        heap[outIdx++] = 0xE0 | (u >> 12);
        heap[outIdx++] = 0x80 | ((u >> 6) & 63);
        heap[outIdx++] = 0x80 | (u & 63);
      } else {
        if (outIdx + 3 >= endIdx) break;
        heap[outIdx++] = 0xF0 | (u >> 18);
        heap[outIdx++] = 0x80 | ((u >> 12) & 63);
        heap[outIdx++] = 0x80 | ((u >> 6) & 63);
        heap[outIdx++] = 0x80 | (u & 63);
      }
    }
    heap[outIdx] = 0;
    return outIdx - startIdx;
  }

  function stringToUTF8(str, outPtr, maxBytesToWrite) {
    return stringToUTF8Array(str, g.HEAPU8, outPtr, maxBytesToWrite);
  }

  function lengthBytesUTF8(str) {
    var len = 0;
    for (var i = 0; i < str.length; ++i) {
      var u = str.charCodeAt(i);
      if (u >= 0xD800 && u <= 0xDFFF) u = 0x10000 + ((u & 0x3FF) << 10) | (str.charCodeAt(++i) & 0x3FF);
      if (u <= 0x7F) ++len;
      else if (u <= 0x7FF) len += 2;
      else if (u <= 0xFFFF) len += 3;
      else len += 4;
    }
    return len;
  }

  function getValue(ptr, type) {
    type = type || 'i8';
    if (type.charAt(type.length - 1) === '*') type = 'i32';
    switch (type) {
      case 'i1': case 'i8': return g.HEAP8[ptr >> 0];
      case 'i16': return g.HEAP16[ptr >> 1];
      case 'i32': case 'i64': return g.HEAP32[ptr >> 2];
      case 'float': return g.HEAPF32[ptr >> 2];
      case 'double': return g.HEAPF64[ptr >> 3];
      default: abort('invalid type for getValue: ' + type);
    }
  }

  function setValue(ptr, value, type) {
    type = type || 'i8';
    if (type.charAt(type.length - 1) === '*') type = 'i32';
    switch (type) {
      case 'i1': case 'i8': g.HEAP8[ptr >> 0] = value; break;
      case 'i16': g.HEAP16[ptr >> 1] = value; break;
      case 'i32': g.HEAP32[ptr >> 2] = value; break;
      case 'i64':
        g.HEAP32[ptr >> 2] = value >>> 0;
        g.HEAP32[(ptr + 4) >> 2] = Math.floor(value / 4294967296) | 0;
        break;
      case 'float': g.HEAPF32[ptr >> 2] = value; break;
      case 'double': g.HEAPF64[ptr >> 3] = value; break;
      default: abort('invalid type for setValue: ' + type);
    }
  }

  // Module._name finds exported functions on first use, as the globals
  // below are defined only for the names the code reads.
  var Module = new Proxy({}, {
    get: function (target, key) {
      if (!(key in target) && typeof key === 'string' && key.charAt(0) === '_') {
        var f = native.exportFn(key.slice(1));
        if (f !== undefined) target[key] = f;
      }
      return target[key];
    }
  });

  var runtime = {
    out: out, err: err, abort: abort,
    UTF8ArrayToString: UTF8ArrayToString, UTF8ToString: UTF8ToString,
    stringToUTF8Array: stringToUTF8Array, stringToUTF8: stringToUTF8,
    lengthBytesUTF8: lengthBytesUTF8, getValue: getValue, setValue: setValue,
  };
  for (var name in runtime) {
    g[name] = runtime[name];
    Module[name] = runtime[name];
  }
  Module.print = out;
  Module.printErr = err;
  g.Module = Module;
  g.console = { log: out, info: out, debug: out, warn: err, error: err };

  // A view of the program's memory is only valid while dlrun says so:
  // whatever could move the buffer's memory out from under it must not
  // exist.
  delete ArrayBuffer.prototype.transfer;
  delete ArrayBuffer.prototype.transferToFixedLength;
  delete ArrayBuffer.prototype.transferToImmutable;

  var views = {
    HEAP8: Int8Array, HEAPU8: Uint8Array, HEAP16: Int16Array, HEAPU16: Uint16Array,
    HEAP32: Int32Array, HEAPU32: Uint32Array, HEAPF32: Float32Array, HEAPF64: Float64Array,
  };
  return {
    setViews: function (buffer) {
      for (var name in views) {
        g[name] = Module[name] = new views[name](buffer);
      }
    },
    defineExports: function (names) {
      for (var i = 0; i < names.length; i++) {
        if (names[i] in g) continue;
        var f = native.exportFn(names[i].slice(1));
        if (f !== undefined) g[names[i]] = f;
      }
    },
  };
})
