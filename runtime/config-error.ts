// A configuration mistake: the message names the variable and what to do. Entry points print it
// without a stack trace.
export class ConfigError extends Error {
  override name = 'ConfigError';
}
