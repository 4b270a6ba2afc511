import type { Commit, CommitParser, ParserOptions } from 'conventional-commits-parser' with {
  'resolution-mode': 'import',
};

/**
 * Conventional Commits 1.0 as conventional-changelog's `conventionalcommits` preset reads them:
 * `type(scope)!: subject`, `BREAKING CHANGE:` and `BREAKING-CHANGE:` footers, `#123` references.
 * The patterns are the preset's, kept here so the parser is the only dependency.
 */
export const PARSER_OPTIONS: ParserOptions = {
  headerPattern: /^(\w*)(?:\((.*)\))?!?: (.*)$/,
  breakingHeaderPattern: /^(\w*)(?:\((.*)\))?!: (.*)$/,
  headerCorrespondence: ['type', 'scope', 'subject'],
  noteKeywords: ['BREAKING CHANGE', 'BREAKING-CHANGE'],
  revertPattern: /^(?:Revert|revert:)\s"?([\s\S]+?)"?\s*This reverts commit (\w*)\./i,
  revertCorrespondence: ['header', 'hash'],
  issuePrefixes: ['#'],
};

export type ParseMessage = (message: string) => Commit;
export type CommitParserClass = new (options?: ParserOptions) => CommitParser;

/** The parser as a function, from the class (injected so unit tests can hand in the same class). */
export function messageParser(Parser: CommitParserClass): ParseMessage {
  const parser = new Parser(PARSER_OPTIONS);
  return (message) => parser.parse(message);
}

/**
 * conventional-commits-parser is ESM-only; a dynamic import() lets the CommonJS bundle load it
 * (ncc emits it as a chunk beside dist/index.js), and runs on Node 20 and 24 alike.
 */
export async function loadParser(): Promise<ParseMessage> {
  const { CommitParser: Parser } = await import('conventional-commits-parser');
  return messageParser(Parser);
}
