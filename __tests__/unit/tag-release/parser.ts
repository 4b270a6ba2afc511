import type { CommitParser as CommitParserType } from 'conventional-commits-parser' with {
  'resolution-mode': 'import',
};
import {
  messageParser,
  type CommitParserClass,
  type ParseMessage,
} from '../../../actions/tag-release/src/parser';

/**
 * The same conventional-commits-parser the bundle loads with import(), required here through
 * jest's CommonJS transform (jest.config.js) so unit tests exercise the real parser.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CommitParser } = require('conventional-commits-parser') as { CommitParser: typeof CommitParserType };

export const parse: ParseMessage = messageParser(CommitParser as unknown as CommitParserClass);
