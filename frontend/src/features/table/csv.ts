// Saving the wide table's CSV in the browser.

/** csvFileName names a download after its cohort (or "all") and the day. */
export function csvFileName(cohort: string, now: Date = new Date()): string {
  const safe = cohort.trim().replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'all';
  return `aomas-metrics-${safe}-${now.toISOString().slice(0, 10)}.csv`;
}

/** saveText hands text to the browser as a file download. */
export function saveText(text: string, fileName: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** formatCell writes a value with its interval, at a precision that suits its size. */
export function formatCell(v: { value: number; ci95Low?: number | null; ci95High?: number | null } | null | undefined): string {
  if (!v) return '—';
  const f = (x: number) => (Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : Number(x.toPrecision(3)).toString());
  if (v.ci95Low == null || v.ci95High == null) return f(v.value);
  return `${f(v.value)} [${f(v.ci95Low)}, ${f(v.ci95High)}]`;
}
