/** Who the audit log names for an act done at the command line. */
export const CLI_ACTOR = `cli:${process.env.SUDO_USER ?? process.env.USER ?? 'root'}`;
