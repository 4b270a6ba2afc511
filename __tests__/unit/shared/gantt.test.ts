import { ganttChart, ganttLabel, ganttTask, ganttTime } from '@deploy-kit/shared';

describe('gantt charts in elapsed time', () => {
  test('offsets as a time of day from midnight, within one day', () => {
    expect(ganttTime(0)).toBe('00:00:00.000');
    expect(ganttTime(83_412)).toBe('00:01:23.412');
    expect(ganttTime(3_723_004)).toBe('01:02:03.004');
    expect(ganttTime(-5)).toBe('00:00:00.000');
    expect(ganttTime(30 * 3600_000)).toBe('23:59:59.999');
  });

  test('a task: tag, id, start and end (at least 1 ms); no : # ; in labels', () => {
    expect(ganttTask('web:1 #a; b', 'crit', 'h0', 0, 0)).toBe(
      '  web 1 a b :crit, h0, 00:00:00.000, 00:00:00.001',
    );
    expect(ganttTask('pull', '', 's1', 1500, 2500)).toBe('  pull :s1, 00:00:01.500, 00:00:02.500');
    expect(ganttLabel('   ')).toBe('step');
  });

  test('the chart: theme variables (green done, red crit), label column for the longest title, axis by span', () => {
    const chart = ganttChart('T', 5000, [['rollback-smoke-test', [ganttTask('a', 'done', 'a', 0, 5000)]]]);
    const lines = chart.split('\n');
    expect(lines[0]).toBe('```mermaid');
    const init = JSON.parse(lines[1]!.replace(/^%%\{init: /, '').replace(/\}%%$/, '')) as {
      themeVariables: Record<string, string>;
      gantt: { leftPadding: number };
    };
    expect(init.themeVariables).toMatchObject({ doneTaskBkgColor: '#4ac26b', critBkgColor: '#cf222e' });
    expect(init.gantt.leftPadding).toBe(7 * 'rollback-smoke-test'.length + 24);
    expect(lines.slice(2, 7)).toEqual([
      'gantt',
      '  dateFormat HH:mm:ss.SSS',
      '  axisFormat %M:%S',
      '  title T',
      '  section rollback-smoke-test',
    ]);
    expect(lines.at(-1)).toBe('```');
    expect(ganttChart('T', 3600_000, [])).toContain('axisFormat %H:%M:%S');
  });
});
