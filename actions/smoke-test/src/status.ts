/**
 * Status expectations as text (200, 2xx, 200-299, or a comma list of those):
 * the input and spec grammar, kept apart from the evaluator so that parsing a
 * spec never imports the code that judges responses.
 */

/** Status text: 200, 2xx, 200-299, or a comma list of those. */
export const STATUS_TEXT =
  /^\s*([1-5]xx|[1-5]\d\d(\s*-\s*[1-5]\d\d)?)(\s*,\s*([1-5]xx|[1-5]\d\d(\s*-\s*[1-5]\d\d)?))*\s*$/i;

export const DEFAULT_STATUS = '200-299';
export const REDIRECT_STATUS = '301,302,303,307,308';

/** Parse a status spec (200, '2xx', '200-299', '200,204' or a list) into a predicate and its description. */
export function statusMatcher(spec: number | string | readonly (number | string)[]): {
  test: (status: number) => boolean;
  text: string;
} {
  const items = (Array.isArray(spec) ? spec : [spec]).flatMap((item) =>
    String(item)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const ranges = items.map((item) => {
    const xx = /^([1-5])xx$/i.exec(item);
    if (xx) return [Number(xx[1]) * 100, Number(xx[1]) * 100 + 99] as const;
    const range = /^(\d{3})\s*-\s*(\d{3})$/.exec(item);
    if (range) return [Number(range[1]), Number(range[2])] as const;
    return [Number(item), Number(item)] as const;
  });
  return {
    test: (status) => ranges.some(([lo, hi]) => status >= lo && status <= hi),
    text: items.join(', '),
  };
}

/**
 * Statuses a retry can change: 5xx (a proxy before its upstream is up, an app
 * still booting), 408 and 429 (the server asks to come back), 425. Any other
 * status is the site's answer and stays what it is.
 */
export function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 425 || status === 429;
}

/**
 * How a failing status is retried: transient (above), and for a 5xx, only while the release may
 * still be warming up (the smoke test's `warm-up`): after it, a 5xx is the release's answer.
 */
export function statusRetry(status: number): { transient: boolean; serverError: boolean } {
  return { transient: isTransientStatus(status), serverError: status >= 500 };
}
