from booking_cli.main import main

main()
