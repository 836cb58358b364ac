/* true.c - the trivial C program whose fork+exec is the machine's process floor (bench/floors.c). */
int main(void)
{
	return 0;
}
