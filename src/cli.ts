import { Command } from 'commander';

export async function main(argv: string[]): Promise<number> {
  const program = new Command('genesys-bulk');
  program.description('Apply bulk changes to Genesys Cloud CX user profiles at the platform rate limit.');
  await program.parseAsync(argv);
  return 0;
}
