/* SPDX-License-Identifier: MIT */
#ifndef HVEMU_MAIN_COMMANDS_H
#define HVEMU_MAIN_COMMANDS_H

int cmd_run(int argc, char **argv);
void print_version(void);

#endif
