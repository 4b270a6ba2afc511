import { run } from '@deploy-kit/shared';
import { main } from './main';
import { post } from './post';

void run(main, post);
