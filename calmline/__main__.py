from calmline.cli import main

main()
