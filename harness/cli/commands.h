/* The commands of the command line that live in cli/ (the others have their
 * subsystem's header): each takes argv with argv[0] the command's name and
 * returns the process exit status (core/error.h). */
#ifndef HL_COMMANDS_H
#define HL_COMMANDS_H

int hl_list_main(int argc, char **argv);
int hl_show_main(int argc, char **argv);

#endif
