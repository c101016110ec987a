// Orders shared by the controller and the speaker.
export { compareCodePoints } from './code-points.ts';
