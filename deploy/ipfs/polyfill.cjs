// Loaded with NODE_OPTIONS=--require <this file> before js-ipfs starts.
// js-ipfs 0.66 dependencies call Promise.withResolvers (ES2024), which Node 20 lacks (Node 22+ has it).
'use strict';
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers() {
      let resolve;
      let reject;
      const promise = new this((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
