"""The command families of ``storeapp``, one module each; each adds its commands to the parser
through ``add_commands`` and imports none of the others."""
