//! Pacemaker's result codes: crm_exit_t, pcmk_rc, OCF/LSB codes, their names and texts (no I/O)
