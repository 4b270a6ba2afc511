/**
 * Mermaid gantt charts for job summaries, in elapsed time. With `dateFormat x` (epoch
 * milliseconds) Mermaid draws the axis in the viewer's local time zone: offsets from 0 read 30:00
 * at the start for a viewer in India. Here times are written as a time of day from midnight
 * (`HH:mm:ss.SSS`), which Mermaid parses and formats back in the same zone: the axis starts at
 * 00:00 for everyone. Passed bars are green (`done`), failed red (`crit`), through theme variables
 * the summary carries itself (GitHub takes no CSS); the label column is as wide as the longest
 * section title, so no title runs into the bars.
 */

export type GanttTag = 'done' | 'crit' | 'active' | '';

const DAY_MS = 24 * 3600_000;

const THEME = {
  doneTaskBkgColor: '#4ac26b',
  doneTaskBorderColor: '#1a7f37',
  critBkgColor: '#cf222e',
  critBorderColor: '#82071e',
  taskTextDarkColor: '#1f2328',
};

/** A task name or section title: `:` ends a task name, `#` starts a comment, `;` ends a statement. */
export function ganttLabel(text: string, max = 60): string {
  return text.replace(/[:#;]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, max) || 'step';
}

/** An offset in ms as the chart's time of day, e.g. 83412 → `00:01:23.412` (within one day). */
export function ganttTime(offsetMs: number): string {
  const ms = Math.min(Math.max(0, Math.round(offsetMs)), DAY_MS - 1);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const h = Math.floor(ms / 3600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const s = Math.floor(ms / 1000) % 60;
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

/** One bar from `startMs` to `endMs` (offsets from the chart's start; at least 1 ms long). */
export function ganttTask(label: string, tag: GanttTag, id: string, startMs: number, endMs: number): string {
  const tags = tag ? `${tag}, ` : '';
  return `  ${ganttLabel(label)} :${tags}${id}, ${ganttTime(startMs)}, ${ganttTime(Math.max(endMs, startMs + 1))}`;
}

/**
 * A gantt chart in a ```mermaid fence: `sections` are [title, task lines] in order. `spanMs` (the
 * chart's length) picks the axis format: minutes:seconds, or hours too from one hour on.
 */
export function ganttChart(title: string, spanMs: number, sections: readonly [string, string[]][]): string {
  const longest = Math.max(0, ...sections.map(([name]) => ganttLabel(name).length));
  const config = { themeVariables: THEME, gantt: { leftPadding: Math.max(75, 7 * longest + 24) } };
  return [
    '```mermaid',
    `%%{init: ${JSON.stringify(config)}}%%`,
    'gantt',
    '  dateFormat HH:mm:ss.SSS',
    `  axisFormat ${spanMs >= 3600_000 ? '%H:%M:%S' : '%M:%S'}`,
    `  title ${ganttLabel(title)}`,
    ...sections.flatMap(([name, tasks]) => [`  section ${ganttLabel(name)}`, ...tasks]),
    '```',
  ].join('\n');
}
