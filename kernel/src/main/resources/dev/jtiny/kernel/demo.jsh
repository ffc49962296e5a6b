System.out.println("jtiny demo");
