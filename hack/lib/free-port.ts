// The one free-port helper lives in src/util/free-port.ts (the local-process RAG runtime needs it at run
// time, and the build compiles only src/); scripts keep importing it from here.
export { freeLoopbackPort } from '../../src/util/free-port.js';
