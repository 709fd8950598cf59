/**
 * HTML for e-mails, escaped by construction: `html\`<p>${value}</p>\`` escapes every interpolated
 * value unless it is itself the result of `html` (a `SafeHtml`), so no template can forget to.
 */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(value);
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => (out += render(value) + strings[i + 1]!));
  return new SafeHtml(out);
}

/** A link whose address is checked: only http(s) URLs become an <a>, anything else is shown as text. */
export function link(href: string, label: string): SafeHtml {
  return /^https?:\/\//i.test(href) ? html`<a href="${href}">${label}</a>` : html`${label}`;
}
