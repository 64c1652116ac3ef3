// jq for runtime expressions. CONTRACT (implemented by the jq engine work):
//
//   compileJq(src)            -> JqProgram (cached by source); throws JqCompileError on syntax errors
//   checkJq(src)              -> undefined if the filter compiles, else the error message
//   JqProgram.all(input, vars, opts?) -> every output value (vars are jq $variables, names without '$')
//   JqProgram.first(input, vars, opts?) -> the first output value, or undefined when there is none
//   JqRuntimeError            -> raised by error/1, type errors, etc. (message is jq's message)
//   JqTimeoutError            -> the evaluation exceeded opts.timeoutMs (default 1000 ms)
//
// Everything is synchronous: the interpreter is a pure, synchronous function.
export {};
