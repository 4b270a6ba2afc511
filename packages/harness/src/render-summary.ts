import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { marked } from 'marked';
import { REPO_ROOT } from './run-action';

/**
 * Job summaries as people see them: Markdown (GFM) to HTML, Mermaid 11 diagrams drawn the way
 * GitHub draws them, in headless Chromium (Debian's `chromium`), one PNG per summary. Mermaid is
 * loaded from node_modules by file URL: no network. Chromium is driven over the DevTools protocol
 * on a pipe (--remote-debugging-pipe), so no port is opened either.
 */

/** What the page reports about one Mermaid diagram. */
export interface RenderedDiagram {
  /** The diagram's source (without the fence). */
  source: string;
  /** The Mermaid error (a syntax error) when it did not render; the render test fails on it. */
  error?: string;
  /** Axis tick labels, left to right (gantt charts). */
  ticks: string[];
  /** Section titles (gantt charts), top to bottom. */
  sections: string[];
  /** Texts drawn outside the diagram's box, or section titles running into the bars. */
  clipped: string[];
  /** Number of task bars. */
  bars: number;
  /** Fill colour of each task bar, in order (computed style). */
  barColors: string[];
  /** Each task label with its fill colour and whether it is drawn on its bar (inside) or beside it. */
  barTexts: { text: string; fill: string; inside: boolean }[];
  width: number;
  height: number;
}

export interface RenderedSummary {
  name: string;
  png: string;
  html: string;
  diagrams: RenderedDiagram[];
  /** Headings in the page: level and text. */
  headings: { level: number; text: string }[];
  /** Tables wider than the summary column (a reader has to scroll them sideways): their header row. */
  wideTables: string[];
}

export interface SummaryRendererOptions {
  /** Folder for the PNG and HTML files; default tmp/summaries in the repository (gitignored). */
  outDir?: string;
  /** The viewer's time zone (Chromium's TZ); default UTC. */
  timeZone?: string;
  /** Width of the summary column in CSS pixels (GitHub's job summary is about 1000). */
  width?: number;
  chromium?: string;
}

const MERMAID = path.join(REPO_ROOT, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js');

const STYLE = `
body { margin: 0; background: #fff; color: #1f2328;
  font: 14px/1.5 -apple-system, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
main { box-sizing: border-box; width: var(--w); padding: 16px 24px; }
h1, h2 { border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; }
h2 { font-size: 1.5em; } h3 { font-size: 1.25em; } h4 { font-size: 1em; }
table { border-collapse: collapse; display: block; max-width: 100%; overflow: auto; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; } tr:nth-child(2n) { background: #f6f8fa; }
code { background: #eff1f3; border-radius: 6px; padding: .2em .4em; font-size: 85%; }
pre { background: #f6f8fa; padding: 16px; overflow: auto; }
.mermaid-frame { border: 1px solid #d1d9e0; border-radius: 6px; margin: 16px 0; }
.mermaid-error { color: #d1242f; white-space: pre-wrap; font-family: monospace; }
`;

/** In the page: draw every Mermaid block and measure what a reader would see. */
const PAGE_SCRIPT = `
window.__rendered = (async () => {
  mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
  const out = [];
  const blocks = [...document.querySelectorAll('pre > code.language-mermaid')];
  for (const [i, code] of blocks.entries()) {
    const source = code.textContent;
    const frame = document.createElement('div');
    frame.className = 'mermaid-frame';
    code.parentElement.replaceWith(frame);
    const d = { source, ticks: [], sections: [], clipped: [], bars: 0, barColors: [], barTexts: [], width: 0, height: 0 };
    out.push(d);
    try {
      await mermaid.parse(source);
      const { svg } = await mermaid.render('mermaid-' + i, source);
      frame.innerHTML = svg;
    } catch (e) {
      d.error = String((e && e.message) || e);
      frame.innerHTML = '';
      const pre = document.createElement('pre');
      pre.className = 'mermaid-error';
      pre.textContent = 'Mermaid error: ' + d.error;
      frame.appendChild(pre);
      continue;
    }
    const el = frame.querySelector('svg');
    const box = el.getBoundingClientRect();
    d.width = Math.round(box.width);
    d.height = Math.round(box.height);
    d.ticks = [...el.querySelectorAll('.tick text')].map((t) => t.textContent);
    const titles = [...el.querySelectorAll('text.sectionTitle')];
    d.sections = titles.map((t) => t.textContent);
    const bars = [...el.querySelectorAll('rect.task')];
    d.bars = bars.length;
    d.barColors = bars.map((b) => getComputedStyle(b).fill);
    d.barTexts = [...el.querySelectorAll('text[class*="taskText"]')].map((t) => ({
      text: t.textContent, fill: getComputedStyle(t).fill, inside: !/taskTextOutside/.test(t.getAttribute('class')) }));
    const barLeft = Math.min(...bars.map((b) => b.getBoundingClientRect().left));
    for (const t of el.querySelectorAll('text')) {
      const r = t.getBoundingClientRect();
      if (r.width === 0) continue;
      if (r.left < box.left - 0.5 || r.right > box.right + 0.5) d.clipped.push(t.textContent);
      else if (t.classList.contains('sectionTitle') && r.right > barLeft + 0.5) d.clipped.push(t.textContent);
    }
  }
  const headings = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map((h) => ({
    level: Number(h.tagName.slice(1)), text: h.textContent }));
  const wideTables = [...document.querySelectorAll('table')]
    .filter((t) => t.scrollWidth > t.clientWidth + 1)
    .map((t) => [...t.querySelectorAll('th')].map((th) => th.textContent).join(' | '));
  return { diagrams: out, headings, wideTables, height: document.documentElement.scrollHeight };
})();
`;

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The page for one summary: GitHub-like styles, the Markdown as HTML, Mermaid and the script above. */
export function summaryPage(markdown: string, title: string, width: number): string {
  const body = marked.parse(markdown, { gfm: true, async: false });
  return [
    '<!doctype html><html><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style>`,
    `<script src="${pathToFileURL(MERMAID).href}"></script></head>`,
    `<body style="--w: ${width}px"><main>${body}</main><script>${PAGE_SCRIPT}</script></body></html>`,
  ].join('\n');
}

interface CdpMessage {
  id?: number;
  method?: string;
  sessionId?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
}

/** A headless Chromium that renders summaries to PNG; `close()` it when done. */
export class SummaryRenderer {
  readonly outDir: string;
  private readonly width: number;
  private readonly child: ChildProcess;
  private readonly profile: string;
  private nextId = 1;
  private buffer = '';
  private readonly pending = new Map<
    number,
    { resolve: (m: CdpMessage) => void; reject: (e: Error) => void }
  >();
  private readonly listeners: ((m: CdpMessage) => void)[] = [];

  private constructor(options: SummaryRendererOptions) {
    this.outDir = options.outDir ?? path.join(REPO_ROOT, 'tmp', 'summaries');
    this.width = options.width ?? 1000;
    fs.mkdirSync(this.outDir, { recursive: true });
    this.profile = fs.mkdtempSync(path.join(os.tmpdir(), 'dk-chromium-'));
    const args = ['--headless', '--remote-debugging-pipe', '--no-first-run', '--disable-gpu'];
    args.push('--no-default-browser-check', '--hide-scrollbars', `--user-data-dir=${this.profile}`);
    // Chromium's own sandbox needs user namespaces the test machine (root, containers) may not give.
    args.push('--no-sandbox', '--proxy-server=127.0.0.1:9', '--proxy-bypass-list=<-loopback>');
    this.child = spawn(options.chromium ?? 'chromium', args, {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, TZ: options.timeZone ?? 'UTC' },
    });
    const out = this.child.stdio[4] as NodeJS.ReadableStream;
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => this.receive(chunk));
    let stderr = '';
    this.child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    this.child.on('exit', (code) => {
      for (const p of this.pending.values()) p.reject(new Error(`chromium exited (${code}): ${stderr}`));
      this.pending.clear();
    });
  }

  /** Start Chromium; fails when it is not installed (scripts/sandbox.d/debian-packages.txt has it). */
  static async start(options: SummaryRendererOptions = {}): Promise<SummaryRenderer> {
    const renderer = new SummaryRenderer(options);
    await new Promise<void>((resolve, reject) => {
      renderer.child.once('spawn', resolve);
      renderer.child.once('error', reject);
    });
    await renderer.send('Browser.getVersion');
    return renderer;
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\0')) >= 0) {
      const message = JSON.parse(this.buffer.slice(0, end)) as CdpMessage;
      this.buffer = this.buffer.slice(end + 1);
      const waiter = message.id === undefined ? undefined : this.pending.get(message.id);
      if (waiter) {
        this.pending.delete(message.id!);
        if (message.error) waiter.reject(new Error(message.error.message));
        else waiter.resolve(message);
      } else for (const l of [...this.listeners]) l(message);
    }
  }

  private send(method: string, params: object = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const input = this.child.stdio[3] as NodeJS.WritableStream;
    return new Promise<CdpMessage>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      input.write(JSON.stringify({ id, method, params, sessionId }) + '\0');
    }).then((m) => m.result ?? {});
  }

  private event(method: string, sessionId: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`no ${method} within ${timeoutMs} ms`)), timeoutMs);
      const listener = (m: CdpMessage): void => {
        if (m.method === method && m.sessionId === sessionId) done();
      };
      const done = (error?: Error): void => {
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        if (error) reject(error);
        else resolve();
      };
      this.listeners.push(listener);
    });
  }

  /** Render one summary to `<outDir>/<name>.png` (and .html beside it) and report what the page shows. */
  async render(name: string, markdown: string): Promise<RenderedSummary> {
    const html = path.join(this.outDir, `${name}.html`);
    const png = path.join(this.outDir, `${name}.png`);
    fs.writeFileSync(html, summaryPage(markdown, name, this.width));
    const { targetId } = (await this.send('Target.createTarget', { url: 'about:blank' })) as {
      targetId: string;
    };
    const { sessionId } = (await this.send('Target.attachToTarget', { targetId, flatten: true })) as {
      sessionId: string;
    };
    try {
      const metrics = { width: this.width, height: 600, deviceScaleFactor: 1, mobile: false };
      await this.send('Emulation.setDeviceMetricsOverride', metrics, sessionId);
      await this.send('Page.enable', {}, sessionId);
      const loaded = this.event('Page.loadEventFired', sessionId, 30_000);
      await this.send('Page.navigate', { url: pathToFileURL(html).href }, sessionId);
      await loaded;
      const evaluated = (await this.send(
        'Runtime.evaluate',
        { expression: 'window.__rendered', awaitPromise: true, returnByValue: true },
        sessionId,
      )) as { result: { value?: PageReport }; exceptionDetails?: { text: string } };
      const report = evaluated.result.value;
      if (!report)
        throw new Error(`the page did not render: ${evaluated.exceptionDetails?.text ?? 'no result'}`);
      const height = Math.max(200, Math.ceil(report.height));
      await this.send('Emulation.setDeviceMetricsOverride', { ...metrics, height }, sessionId);
      const shot = (await this.send('Page.captureScreenshot', { format: 'png' }, sessionId)) as {
        data: string;
      };
      fs.writeFileSync(png, Buffer.from(shot.data, 'base64'));
      return {
        name,
        png,
        html,
        diagrams: report.diagrams,
        headings: report.headings,
        wideTables: report.wideTables,
      };
    } finally {
      await this.send('Target.closeTarget', { targetId });
    }
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      await this.send('Browser.close').catch(() => undefined);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.profile, { recursive: true, force: true });
  }
}

interface PageReport {
  diagrams: RenderedDiagram[];
  headings: { level: number; text: string }[];
  wideTables: string[];
  height: number;
}
