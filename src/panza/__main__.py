from panza.cli import main

raise SystemExit(main())
