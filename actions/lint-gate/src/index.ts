import { run } from '@deploy-kit/shared';
import { main } from './main';

void run(main);
