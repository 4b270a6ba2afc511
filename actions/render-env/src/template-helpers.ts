import Handlebars from 'handlebars';

/**
 * The Handlebars environment env templates render in: the built-in block helpers without `log`
 * and `lookup`, plus `join` and `urlencode`. A helper's failure never quotes a value.
 */

export function createEnvironment(): typeof Handlebars {
  const hb = Handlebars.create();
  hb.unregisterHelper('log');
  hb.unregisterHelper('lookup');
  hb.registerHelper('join', function (list: unknown, ...rest: unknown[]) {
    const separator = rest.length > 1 ? rest[0] : ',';
    if (!Array.isArray(list)) throw new HelperError('join needs a list as its first argument');
    if (typeof separator !== 'string')
      throw new HelperError('join needs a string separator, e.g. {{join vars.hosts ","}}');
    if (list.some((item) => item === null || typeof item === 'object'))
      throw new HelperError('join needs a list of plain values, not of mappings or lists');
    return list.join(separator);
  });
  hb.registerHelper('urlencode', function (value: unknown, ...rest: unknown[]) {
    if (rest.length !== 1) throw new HelperError('urlencode takes exactly one argument');
    if (typeof value !== 'string' && typeof value !== 'number')
      throw new HelperError('urlencode needs a plain value (a string or a number)');
    return encodeURIComponent(String(value));
  });
  return hb;
}

/** A failure whose message is safe to show: it never includes a value. */
export class HelperError extends Error {}
