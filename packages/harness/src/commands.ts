/**
 * Parsing of what an action tells the runner: workflow commands on stdout
 * (`::name key=value::data`) and the file commands it appends to
 * GITHUB_OUTPUT / GITHUB_ENV / GITHUB_STATE. Mirrors the runner's rules,
 * including its escaping (%25 %0D %0A in data, plus %3A %2C in properties).
 */
export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  data: string;
  /** 0-based line number in stdout. */
  line: number;
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  file?: string;
  line?: number;
  endLine?: number;
  col?: number;
  title?: string;
}

export function unescapeData(value: string): string {
  return value.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

export function unescapeProperty(value: string): string {
  return value
    .replace(/%0D/gi, '\r')
    .replace(/%0A/gi, '\n')
    .replace(/%3A/gi, ':')
    .replace(/%2C/gi, ',')
    .replace(/%25/g, '%');
}

const COMMAND_LINE = /^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$/;

/** One stdout line as a workflow command (`::name key=value::data`), or undefined for plain text. */
export function parseWorkflowCommandLine(text: string): Omit<WorkflowCommand, 'line'> | undefined {
  const match = COMMAND_LINE.exec(text);
  if (!match) return undefined;
  const properties: Record<string, string> = {};
  for (const pair of (match[2] ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) properties[pair.slice(0, eq).trim()] = unescapeProperty(pair.slice(eq + 1));
  }
  return { command: match[1] as string, properties, data: unescapeData(match[3] ?? '') };
}

export function parseWorkflowCommands(stdout: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  stdout.split(/\r?\n/).forEach((text, line) => {
    const command = parseWorkflowCommandLine(text);
    if (command) commands.push({ ...command, line });
  });
  return commands;
}

export function annotationsFrom(commands: readonly WorkflowCommand[]): Annotation[] {
  const toInt = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  return commands
    .filter((c) => c.command === 'error' || c.command === 'warning' || c.command === 'notice')
    .map((c) => ({
      level: c.command as Annotation['level'],
      message: c.data,
      file: c.properties.file,
      line: toInt(c.properties.line),
      endLine: toInt(c.properties.endLine),
      col: toInt(c.properties.col),
      title: c.properties.title,
    }));
}

/**
 * The runner's file-command format: `name=value` lines, or a heredoc
 * `name<<DELIM` ... `DELIM` for multi-line values (what @actions/core writes).
 */
export function parseFileCommand(content: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/\r$/, '');
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    const eq = line.indexOf('=');
    if (heredoc && (eq === -1 || eq > line.indexOf('<<'))) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const body: string[] = [];
      i++;
      while (i < lines.length && (lines[i] as string).replace(/\r$/, '') !== delimiter)
        body.push(lines[i++] as string);
      if (i >= lines.length)
        throw new Error(`file command '${name}' has no closing delimiter '${delimiter}'`);
      result[name] = body.join('\n');
    } else if (eq > 0) {
      result[line.slice(0, eq)] = line.slice(eq + 1);
    } else {
      throw new Error(`malformed file command line: ${JSON.stringify(line)}`);
    }
  }
  return result;
}
