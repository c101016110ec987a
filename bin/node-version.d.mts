export function requiredNode(engines: string | undefined): [number, number, number];
export function nodeTooOld(version: string, engines: string | undefined): string | undefined;
export function packageJson(): { version?: string; engines?: { node?: string } };
